"""The enforcement seam: every person-facing route is checked, through the app's own guard.

The app is built as served, its state faked (keys, configuration, one escalation table in
memory), so each request goes through routing, the guard and ``auth.access.enforce``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute

from escalations.core.access_endpoints import ENDPOINTS
from escalations.core.config import parse_config
from escalations.core.escalation import SourceKind
from escalations.db.models import EscalationRow
from escalations_intake.auth.access import EXEMPT
from escalations_intake.auth.guard import Guard, KeyAuth
from escalations_intake.auth.people import person_principal
from escalations_intake.auth.principal import Principal, Scope
from escalations_intake.auth.rate_limit import TokenBuckets
from escalations_intake.http.app import create_app
from escalations_intake.settings import IntakeSettings
from tests.e2e.intake.rows import escalation_row
from tests.fakes.intake import FakeKeys
from tests.unit.intake.test_access_rules import CONFIG_YAML

EVERY = frozenset(Scope)
KEYS = {
    "esk_legal": Principal("legal", SourceKind.LEGAL, EVERY),
    "ept_lee": person_principal("lee", EVERY, "t1"),
    "ept_ana": person_principal("ana", EVERY, "t2"),
    "ept_dana": person_principal("dana", EVERY, "t3"),
    "ept_kim": person_principal("kim", EVERY, "t4"),
    "ept_ana_reads": person_principal("ana", frozenset({Scope.READ}), "t5"),
}
SECRET = escalation_row(
    id="e-secret", team="legal", policy_area="child_safety", owner="kim",
    assignment={"owner": "kim", "candidates": [], "paged": ["kim", "ana"]},
)  # fmt: skip
PLAIN = escalation_row(id="e-plain", team="legal", owner="kim")


class _Session:
    """The two reads the seam and the read route make, from a dict."""

    def __init__(self, rows: dict[str, EscalationRow]) -> None:
        self.rows = rows

    async def get(self, _model: type[EscalationRow], esc_id: str) -> EscalationRow | None:
        return self.rows.get(esc_id)

    async def exec(self, _statement: Any) -> Any:
        return SimpleNamespace(all=list)  # no history


def _sessions(rows: dict[str, EscalationRow]) -> Any:
    @asynccontextmanager
    async def session() -> AsyncIterator[_Session]:
        yield _Session(rows)

    return session


@pytest.fixture(scope="module")
def app() -> FastAPI:
    """The served app, without its lifespan: the state is faked."""
    return create_app(IntakeSettings())


@pytest.fixture(scope="module")
def client(app: FastAPI) -> TestClient:
    """A client of the app whose state knows the keys above and two escalations."""
    config = parse_config(CONFIG_YAML).config
    app.state.intake = SimpleNamespace(
        guard=Guard(FakeKeys(KEYS), TokenBuckets(lambda _: 1000.0, 1.0)),
        config=SimpleNamespace(current=lambda: config),
        sessions=_sessions({row.id: row for row in (SECRET, PLAIN)}),
        act=None,  # the act routes refuse before they publish
        idempotency=None,
    )
    return TestClient(app, raise_server_exceptions=True)


def _served(app: FastAPI) -> Iterator[tuple[BaseRoute, str]]:
    """Yield every route the app serves with its full path, through included routers."""
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is None:
            yield route, str(getattr(route, "path", ""))
        else:
            yield from ((ctx.original_route, ctx.path) for ctx in contexts())


def _routes(app: FastAPI) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for route, path in _served(app):
        methods = getattr(route, "methods", None) or ()
        found |= {(method, path) for method in methods if method != "HEAD"}
    return found


def test_every_route_is_an_endpoint_or_documented_exempt(app: FastAPI) -> None:
    """A new route must be put in ENDPOINTS (checked) or in EXEMPT (its own checks)."""
    listed = {(e.method, e.path) for e in ENDPOINTS}
    served = {r for r in _routes(app) if r[1] not in {"/openapi.json", "/docs", "/redoc"}}
    served -= {r for r in served if r[1].startswith("/docs/")}
    # The console's pages check people with the same pure rules themselves (docs/console.md);
    # tests/unit/intake/console/test_console_routes.py holds each to its Person dependency.
    served -= {r for r in served if r[1] == "/console" or r[1].startswith("/console/")}
    assert set() == served - listed - EXEMPT, "routes neither in ENDPOINTS nor EXEMPT"
    assert set() == (listed | EXEMPT) - served, "listed routes the app does not serve"
    assert set() == listed & EXEMPT


def _dependencies(route: APIRoute) -> Iterator[object]:
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        yield dependant.call
        stack.extend(dependant.dependencies)


def test_every_endpoint_route_goes_through_the_guard(app: FastAPI) -> None:
    """Each route of ENDPOINTS depends on the guard, where ``enforce`` runs."""
    listed = {(e.method, e.path) for e in ENDPOINTS}
    checked = 0
    for route, path in _served(app):
        if isinstance(route, APIRoute) and {(m, path) for m in route.methods or ()} & listed:
            assert any(isinstance(call, KeyAuth) for call in _dependencies(route)), path
            checked += 1
    assert len(ENDPOINTS) == checked


def _get(client: TestClient, key: str, path: str) -> Any:
    return client.get(path, headers={"Authorization": f"Bearer {key}"})


def _post(client: TestClient, key: str, path: str, body: object) -> Any:
    return client.post(path, json=body, headers={"Authorization": f"Bearer {key}"})


def test_an_unseen_escalation_is_404_like_a_missing_one(client: TestClient) -> None:
    """Read and act answer the same body for a hidden escalation as for an absent one."""
    for path in ("/v1/escalations/{}", "/v1/escalations/{}/reassign"):
        answers = []
        for esc_id in ("e-secret", "e-none"):
            call = path.format(esc_id)
            got = (
                _get(client, "ept_lee", call)
                if path.endswith("}")
                else _post(client, "ept_lee", call, {"to": "x" * 300})
            )
            assert 404 == got.status_code, got.text
            assert got.headers["content-type"].startswith("application/problem+json")
            answers.append(got.json()["detail"].replace(esc_id, "<id>"))
        assert answers[0] == answers[1] == "no escalation with id '<id>'"


def test_those_who_need_to_know_read_it_with_the_row_loaded_once(client: TestClient) -> None:
    """The owning team and the paged read a restricted escalation; a source key too."""
    for key in ("ept_kim", "ept_dana", "ept_ana", "esk_legal"):
        got = _get(client, key, "/v1/escalations/e-secret")
        assert (200, "e-secret") == (got.status_code, got.json()["id"]), key


def test_acting_without_the_role_is_403_naming_why(client: TestClient) -> None:
    """A responder cannot reassign; a person off the team cannot act; sources skip roles."""
    refused = _post(client, "ept_dana", "/v1/escalations/e-plain/reassign", {"to": "ana"})
    assert 403 == refused.status_code
    expected = "'dana' may not escalations.reassign on team 'legal': needs lead or admin"
    assert expected == refused.json()["detail"]
    act = _post(client, "ept_lee", "/v1/escalations/e-plain/acknowledge", {})
    assert 403 == act.status_code
    assert "needs responder, lead or admin" in act.json()["detail"]
    write = _post(client, "ept_ana", "/v1/teams/desk/overrides", {})
    assert "'ana' may not schedules.write on team 'desk'" in write.json()["detail"]
    audit = _get(client, "ept_kim", "/v1/audit")
    assert (403, "'kim' may not audit.read: needs admin") == (
        audit.status_code,
        audit.json()["detail"],
    )


def test_scopes_still_apply_to_people(client: TestClient) -> None:
    """A read-only token of someone allowed to act is refused for its scope first."""
    got = _post(client, "ept_ana_reads", "/v1/escalations/e-secret/acknowledge", {})
    assert 403 == got.status_code
    assert "lacks scope 'escalations:act'" in got.json()["detail"]


def test_a_source_key_may_not_name_a_person_or_reassign(client: TestClient) -> None:
    """A source acts as system:<source>: ``by`` naming a person and reassigning are 403."""
    named = _post(client, "esk_legal", "/v1/escalations/e-plain/acknowledge", {"by": "kim"})
    assert 403 == named.status_code
    detail = named.json()["detail"]
    assert "a source key acts as system:<source> (here system:legal)" in detail
    assert "a person signs in or uses a personal token" in detail
    moved = _post(client, "esk_legal", "/v1/escalations/e-plain/reassign", {"to": "ana"})
    assert 403 == moved.status_code
    assert "only a person may reassign" in moved.json()["detail"]

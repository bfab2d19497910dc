"""The intake's front door: authentication, scopes and input errors as problem+json."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from escalations.core.escalation import SourceKind
from escalations.db.engine import make_engine, make_sessions
from escalations_intake.auth.api_keys import Scope, new_key, store_key
from tests.e2e.conftest import Live

pytestmark = pytest.mark.e2e
VALID = {"title": "Hate speech pin", "policy_area": "hate_speech"}


def _key(live: Live, source: str, kind: SourceKind, scopes: frozenset[Scope]) -> str:
    async def create() -> str:
        engine = make_engine(str(live.stack.database_url), pool_size=1)
        key = new_key()
        try:
            await store_key(
                make_sessions(engine), key, source=source, source_kind=kind, scopes=scopes
            )
        finally:
            await engine.dispose()
        return key

    return asyncio.run(create())


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert status == response.status_code, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert status == body["status"]
    return body


def test_missing_key_is_401(live: Live) -> None:
    """No Authorization header: 401 naming the header to send."""
    response = httpx.post(f"{live.base_url}/v1/escalations", json=VALID)
    assert "Authorization: Bearer" in _problem(response, 401)["detail"]


def test_unknown_key_is_401(live: Live) -> None:
    """A key nobody issued: 401."""
    with live.client("esk_not-a-real-key") as client:
        body = _problem(client.post("/v1/escalations", json=VALID), 401)
    assert body["detail"] == "unknown or revoked API key"


def test_wrong_scope_is_403_naming_scope(live: Live) -> None:
    """A read-only key cannot create: 403 naming the missing scope and the source."""
    key = _key(live, "dashboard", SourceKind.INTERNAL_TOOL, frozenset({Scope.READ}))
    with live.client(key) as client:
        body = _problem(client.post("/v1/escalations", json=VALID), 403)
    assert "source 'dashboard' lacks scope 'escalations:write'" in body["detail"]


def test_source_kind_comes_from_the_key(live: Live) -> None:
    """An escalation records the source of the key that posted it."""
    key = _key(live, "trusted-flagger-ngo", SourceKind.TRUSTED_FLAGGER, frozenset(Scope))
    with live.client(key) as client:
        esc_id = client.post("/v1/escalations", json={**VALID, "external_id": "TF-1"}).json()["id"]
        from tests.e2e.conftest import wait_for

        state = wait_for(
            lambda: (r := client.get(f"/v1/escalations/{esc_id}")).status_code == 200 and r.json(),
            what="stored",
        )
    assert state["source"] == "trusted-flagger-ngo"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**VALID, "colour": "red"}, "colour: unknown field"),
        ({"policy_area": "hate_speech"}, "title: Field required"),
        ({**VALID, "policy_area": "rudeness"}, "policy_area: Input should be"),
        ({**VALID, "signals": {"violation_likelihood": 1.5}}, "signals.violation_likelihood"),
        (
            {**VALID, "occurred_at": "2026-11-25T09:10:00"},
            "occurred_at: Value error, timestamp needs a time zone",
        ),
        (
            {**VALID, "content_refs": [{"kind": "pin", "id": "1", "url": "javascript:alert(1)"}]},
            "content_refs.0.url",
        ),
        ({**VALID, "title": "pin\u0000"}, "title: Text must not contain the NUL character"),
        ({**VALID, "description": "a\u0000b"}, "description: Text must not contain the NUL"),
        ({**VALID, "reporter": {"name": "\u0000"}}, "reporter.name: Text must not contain"),
        (
            {**VALID, "content_refs": [{"kind": "pin", "id": "1\u0000"}]},
            "content_refs.0.id: Text must not contain the NUL",
        ),
    ],
)
def test_invalid_body_is_422_naming_the_field(live: Live, body: dict[str, Any], field: str) -> None:
    """Validation errors are 422 problem+json whose detail names the offending field."""
    with live.client() as client:
        problem = _problem(client.post("/v1/escalations", json=body), 422)
    assert field in problem["detail"]


def test_malformed_json_is_400(live: Live) -> None:
    """A body that is not JSON is 400, not 422 or 500."""
    with live.client() as client:
        response = client.post(
            "/v1/escalations", content=b"{title: nope", headers={"Content-Type": "application/json"}
        )
    _problem(response, 400)


def test_body_over_256_kib_is_413(live: Live) -> None:
    """A body over the limit is refused with 413 before it is parsed."""
    huge = {**VALID, "description": "x" * (260 * 1024)}
    with live.client() as client:
        _problem(client.post("/v1/escalations", json=huge), 413)


def test_unknown_escalation_is_404(live: Live) -> None:
    """Reading an id that does not exist is a 404 problem naming the id."""
    with live.client() as client:
        body = _problem(client.get("/v1/escalations/does-not-exist"), 404)
    assert "does-not-exist" in body["detail"]


def test_list_is_newest_first_with_cursor(live: Live) -> None:
    """The list pages newest first; following next_cursor never repeats an item."""
    with live.client() as client:
        for i in range(3):
            client.post("/v1/escalations", json={**VALID, "external_id": f"LIST-{i}"})
        from tests.e2e.conftest import wait_for

        wait_for(
            lambda: len(client.get("/v1/escalations", params={"limit": 200}).json()["items"]) >= 3,
            what="three stored",
        )
        first = client.get("/v1/escalations", params={"limit": 2}).json()
        second = client.get(
            "/v1/escalations", params={"limit": 2, "cursor": first["next_cursor"]}
        ).json()
        bad = client.get("/v1/escalations", params={"cursor": "garbage!"})
    ids = [i["id"] for i in first["items"]] + [i["id"] for i in second["items"]]
    assert len(ids) == len(set(ids))
    created = [i["created_at"] for i in first["items"] + second["items"]]
    assert created == sorted(created, reverse=True)
    _problem(bad, 422)


def test_openapi_documents_the_endpoints(live: Live) -> None:
    """The OpenAPI document is served and lists the escalation endpoints."""
    spec = httpx.get(f"{live.base_url}/openapi.json").json()
    assert {"/v1/escalations", "/v1/escalations/{escalation_id}"} <= set(spec["paths"])

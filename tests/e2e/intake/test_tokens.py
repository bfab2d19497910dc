"""Personal API tokens through the real intake and Postgres: create, list, use, revoke, expire."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.intake.conftest import Intake
from tests.e2e.intake.helpers import problem
from tests.e2e.intake.rows import escalation_row, insert
from tests.support import query, wait_for

pytestmark = pytest.mark.e2e
READ_ACT = ["escalations:read", "escalations:act"]
CACHE_S = 0.5  # INTAKE_KEY_CACHE_SECONDS of the test intake


def _expiry(delta: timedelta = timedelta(days=7)) -> str:
    return (datetime.now(UTC) + delta).isoformat()


def _create(
    client: httpx.Client, person: str, scopes: list[str], expires_at: str | None = None
) -> httpx.Response:
    body = {"description": "script", "scopes": scopes, "expires_at": expires_at or _expiry()}
    return client.post(f"/v1/people/{person}/tokens", json=body)


def _token(intake: Intake, person: str, scopes: list[str], **kw: Any) -> dict[str, Any]:
    """Create a token for ``person`` with the admin key; return the 201 body."""
    with intake.client() as admin:
        created = _create(admin, person, scopes, **kw)
    assert 201 == created.status_code, created.text
    body: dict[str, Any] = created.json()
    return body


def _audit(intake: Intake, subject_id: str) -> list[tuple[str, str]]:
    sql = "SELECT actor, action FROM audit_log WHERE subject_id = $1 ORDER BY seq"
    rows = asyncio.run(query(intake.database_url, sql, subject_id))
    return [(row["actor"], row["action"]) for row in rows]


def test_a_token_is_shown_once_listed_without_it_and_audited(intake: Intake) -> None:
    """The 201 shows the token once; the list never does; the creation is audited."""
    created = _token(intake, "ciaran", READ_ACT)
    expected = {"id", "token", "person", "description", "scopes", "created_at", "expires_at"}
    assert expected == set(created)
    assert created["token"].startswith("ept_")
    assert ("ciaran", sorted(READ_ACT)) == (created["person"], sorted(created["scopes"]))
    with intake.client(created["token"]) as ciaran:
        listed = ciaran.get("/v1/people/ciaran/tokens")
    assert 200 == listed.status_code, listed.text
    (mine,) = [t for t in listed.json()["tokens"] if t["id"] == created["id"]]
    assert "token" not in mine
    assert created["token"] not in listed.text
    assert (created["token"][:12], "system:admin", None) == (
        mine["token_prefix"],
        mine["created_by"],
        mine["revoked_at"],
    )
    assert [("system:admin", "token.create")] == _audit(intake, created["id"])


def test_a_token_acts_as_its_person_and_never_as_another(intake: Intake) -> None:
    """With a token `by` may be left out or name the person; naming someone else is 403."""
    token = _token(intake, "ciaran", READ_ACT)["token"]
    row = escalation_row()
    insert(intake.database_url, row)
    path = f"/v1/escalations/{row.id}/acknowledge"
    with intake.client(token) as ciaran:
        assert 202 == ciaran.post(path, json={}).status_code
        assert 202 == ciaran.post(path, json={"by": "ciaran"}).status_code
        refused = problem(ciaran.post(path, json={"by": "sean"}), 403)
    assert "acts as 'ciaran'" in refused["detail"]

    def published() -> list[dict[str, Any]]:
        found = intake.events(row.id)
        return found if len(found) >= 2 else []

    events = wait_for(published, what="both acknowledgements")
    assert [("ciaran", "person:ciaran")] * 2 == [
        (e["data"]["by"], e["data"]["source"]) for e in events
    ]
    assert [("ciaran", "escalation.acknowledge")] * 2 == _audit(intake, row.id)


def test_a_persons_schedule_change_is_published_as_theirs(intake: Intake) -> None:
    """Time off added with a token carries the person as its source (the router's actor)."""
    token = _token(intake, "liam", ["schedules:write"])["token"]
    window = {"start": "2031-06-01T00:00:00Z", "end": "2031-06-02T00:00:00Z"}
    with intake.client(token) as liam:
        added = liam.post("/v1/people/liam/time-off", json=window)
    assert 202 == added.status_code, added.text
    time_off_id = added.json()["id"]

    def published() -> list[dict[str, Any]]:
        return [e for e in intake.events() if e["data"].get("time_off_id") == time_off_id]

    (event,) = wait_for(published, what="the time off command")
    assert "person:liam" == event["data"]["source"]


def test_people_manage_only_their_own_tokens(intake: Intake) -> None:
    """Another person's tokens, more scopes than one holds, or an unknown person are refused."""
    token = _token(intake, "ciaran", READ_ACT)["token"]
    with intake.client(token) as ciaran:
        problem(ciaran.get("/v1/people/sean/tokens"), 403)
        problem(_create(ciaran, "sean", ["escalations:read"]), 403)
        beyond = problem(_create(ciaran, "ciaran", ["schedules:write"]), 403)
        assert "schedules:write" in beyond["detail"]
        assert 201 == _create(ciaran, "ciaran", ["escalations:read"]).status_code
    with intake.client() as admin:
        problem(admin.get("/v1/people/nobody/tokens"), 404)
        problem(_create(admin, "nobody", ["escalations:read"]), 404)


@pytest.mark.parametrize(
    "changes",
    [
        {"description": "bell\x07"},
        {"description": "<img src=x onerror=alert(1)>"},
        {"description": "x" * 10_000},
        {"scopes": ["root"]},
        {"expires_at": "2020-01-01T00:00:00Z"},  # past
        {"expires_at": "2099-01-01T00:00:00Z"},  # beyond INTAKE_TOKEN_MAX_DAYS
    ],
)
def test_hostile_token_requests_are_422(intake: Intake, changes: dict[str, Any]) -> None:
    """Control characters, markup, huge text, unknown scopes and bad expiries are 422."""
    body = {"description": "script", "scopes": ["escalations:read"], "expires_at": _expiry()}
    with intake.client() as admin:
        refused = problem(admin.post("/v1/people/ciaran/tokens", json=body | changes), 422)
    assert refused["detail"]


def _refused_within(intake: Intake, token: str, seconds: float) -> float:
    """Return how long after now the token is first refused (fails after ``seconds``)."""
    start = time.monotonic()

    def refused() -> bool:
        with intake.client(token) as client:
            return 401 == client.get("/v1/oncall?team=ts-dublin").status_code

    wait_for(refused, timeout=seconds, what="token refused")
    return time.monotonic() - start


def test_a_revoked_token_is_refused_within_the_key_cache_window(intake: Intake) -> None:
    """Revoking answers 204 (again 204), is audited once, and the token stops working."""
    created = _token(intake, "sean", ["escalations:read"])
    with intake.client(created["token"]) as sean:
        assert 200 == sean.get("/v1/oncall?team=ts-dublin").status_code  # cached now
        assert 204 == sean.delete(f"/v1/people/sean/tokens/{created['id']}").status_code
    assert _refused_within(intake, created["token"], CACHE_S + 1.0) <= CACHE_S + 1.0
    with intake.client() as admin:
        assert 204 == admin.delete(f"/v1/people/sean/tokens/{created['id']}").status_code
        unknown = "00000000-0000-4000-8000-000000000000"
        problem(admin.delete(f"/v1/people/sean/tokens/{unknown}"), 404)
        problem(admin.delete(f"/v1/people/ciaran/tokens/{created['id']}"), 404)
    expected = [("system:admin", "token.create"), ("sean", "token.revoke")]
    assert expected == _audit(intake, created["id"])


def test_an_expired_token_is_refused_from_its_expiry(intake: Intake) -> None:
    """A token works until its expiry and is refused from then on, cached or not."""
    soon = _expiry(timedelta(seconds=3))
    created = _token(intake, "sean", ["escalations:read"], expires_at=soon)
    with intake.client(created["token"]) as sean:
        assert 200 == sean.get("/v1/oncall?team=ts-dublin").status_code
    left = (datetime.fromisoformat(created["expires_at"]) - datetime.now(UTC)).total_seconds()
    time.sleep(max(0.0, left))
    with intake.client(created["token"]) as sean:
        refused = problem(sean.get("/v1/oncall?team=ts-dublin"), 401)
    assert "expired personal token" in refused["detail"]

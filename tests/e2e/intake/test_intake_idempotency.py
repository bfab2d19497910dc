"""Idempotency-Key: retries and concurrent identical requests publish one event."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping

import httpx
import pytest

from tests.e2e.intake.conftest import Intake
from tests.e2e.intake.helpers import ESCALATION, problem
from tests.e2e.intake.rows import escalation_row, insert

pytestmark = pytest.mark.e2e


async def _burst(
    intake: Intake, body: Mapping[str, object], key: str, n: int
) -> list[httpx.Response]:
    headers = {"Authorization": f"Bearer {intake.admin_key}", "Idempotency-Key": key}
    # Separate connections, so the kernel spreads them over both workers.
    clients = [
        httpx.AsyncClient(base_url=intake.base_url, headers=headers, timeout=20) for _ in range(n)
    ]
    try:
        return await asyncio.gather(*(c.post("/v1/escalations", json=body) for c in clients))
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


def test_concurrent_identical_requests_publish_one_event(intake: Intake) -> None:
    """Twenty identical requests at once, one key: one event, twenty identical answers."""
    body = {**ESCALATION, "title": f"burst {uuid.uuid4()}"}  # no external_id: a fresh id
    responses = asyncio.run(_burst(intake, body, f"burst-{uuid.uuid4()}", 20))
    assert {202} == {r.status_code for r in responses}, [r.text for r in responses]
    assert 1 == len({r.json()["id"] for r in responses})
    esc_id = responses[0].json()["id"]
    assert 1 == len(intake.events(esc_id))
    replayed = [r for r in responses if r.headers.get("idempotent-replayed") == "true"]
    assert 19 == len(replayed)


def test_retry_returns_the_first_answer(intake: Intake) -> None:
    """A retry after success gets the stored answer and publishes nothing more."""
    key = str(uuid.uuid4())
    headers = {"Idempotency-Key": key}
    # A body of its own: the same body from another test would share its keyless id.
    body = {**ESCALATION, "title": f"retried {key}"}
    with intake.client() as client:
        first = client.post("/v1/escalations", json=body, headers=headers)
        again = client.post("/v1/escalations", json=dict(reversed(body.items())), headers=headers)
    assert (202, first.json()) == (again.status_code, again.json())
    assert 1 == len(intake.events(first.json()["id"]))


def test_same_key_different_body_is_422(intake: Intake) -> None:
    """Reusing a key for another request is refused, naming the header."""
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    with intake.client() as client:
        client.post("/v1/escalations", json=ESCALATION, headers=headers)
        other = client.post(
            "/v1/escalations", json={**ESCALATION, "title": "other"}, headers=headers
        )
    assert "Idempotency-Key" in problem(other, 422)["detail"]


def test_keys_are_per_source_and_per_endpoint_body(intake: Intake) -> None:
    """The same key on an act command is independent of its use on create."""
    row = escalation_row()
    insert(intake.database_url, row)
    headers = {"Idempotency-Key": f"shared-{uuid.uuid4()}"}
    with intake.client() as client:
        created = client.post("/v1/escalations", json=ESCALATION, headers=headers)
        acked = client.post(f"/v1/escalations/{row.id}/acknowledge", json={}, headers=headers)
        acked_again = client.post(f"/v1/escalations/{row.id}/acknowledge", json={}, headers=headers)
    assert 202 == created.status_code
    # Same key, different path and body: a different request, so 422, not a replay.
    assert "Idempotency-Key" in problem(acked, 422)["detail"]
    assert 422 == acked_again.status_code


def test_failed_request_releases_the_key(intake: Intake) -> None:
    """A request that fails (404) does not store its answer: a retry runs again."""
    missing = str(uuid.uuid4())
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    with intake.client() as client:
        problem(
            client.post(f"/v1/escalations/{missing}/acknowledge", json={}, headers=headers),
            404,
        )
        insert(intake.database_url, escalation_row(id=missing))
        retried = client.post(f"/v1/escalations/{missing}/acknowledge", json={}, headers=headers)
    assert 202 == retried.status_code, retried.text


@pytest.mark.parametrize("key", ["", "x" * 201, "with space", "ümlaut"])
def test_invalid_keys_are_400(intake: Intake, key: str) -> None:
    """Keys must be 1 to 200 visible ASCII characters."""
    with intake.client() as client:
        got = client.post(
            "/v1/escalations", json=ESCALATION, headers={b"Idempotency-Key": key.encode()}
        )
    assert "Idempotency-Key" in problem(got, 400)["detail"]

"""Broker outage: 503 with Retry-After while Kafka is down, 202 again after, nothing lost.

This module stops and restarts a broker, so it has a broker and an intake of its own.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from devstack import services
from devstack.stack import Stack
from tests.e2e.conftest import wait_for
from tests.e2e.intake.conftest import Intake, own_kafka, start_intake
from tests.e2e.intake.helpers import ESCALATION, problem

pytestmark = pytest.mark.e2e
TIMEOUT_S = 2.0


@pytest.fixture(scope="module")
def fragile(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Intake]:
    """An intake whose broker the test may stop; it waits at most 2 s for the broker."""
    kafka = own_kafka()
    try:
        extra = {
            "INTAKE_PUBLISH_TIMEOUT_SECONDS": str(TIMEOUT_S),
            "INTAKE_WORKERS": "1",
            # A day: the retry test's attempts never straddle a window boundary (but at 00:00).
            "INTAKE_RETRY_WINDOW_SECONDS": "86400",
        }
        running = start_intake(stack, kafka, tmp_path_factory.mktemp("outage"), extra)
        try:
            yield running
        finally:
            services.stop([running.process])
    finally:
        kafka.stop()


async def _post_many(intake: Intake, n: int) -> list[tuple[str, httpx.Response]]:
    headers = {"Authorization": f"Bearer {intake.admin_key}"}
    async with httpx.AsyncClient(base_url=intake.base_url, headers=headers, timeout=30) as client:

        async def one() -> tuple[str, httpx.Response]:
            external = f"OUT-{uuid.uuid4()}"
            body = {**ESCALATION, "external_id": external}
            return external, await client.post("/v1/escalations", json=body)

        return await asyncio.gather(*(one() for _ in range(n)))


def test_outage_answers_503_then_recovers_without_losing_accepted_events(fragile: Intake) -> None:
    """Down: every POST is 503 + Retry-After within the timeout. Up: 202 again; all 202s stored."""
    accepted: list[str] = []
    before = asyncio.run(_post_many(fragile, 20))
    assert {202} == {r.status_code for _, r in before}
    accepted += [r.json()["id"] for _, r in before]

    fragile.kafka.stop_kafka()
    started = time.monotonic()
    during = asyncio.run(_post_many(fragile, 10))
    elapsed = time.monotonic() - started
    for _, response in during:
        assert "retry later" in problem(response, 503)["detail"]
        assert int(response.headers["retry-after"]) >= 1
    assert elapsed < TIMEOUT_S + 3, f"503s took {elapsed:.1f} s"
    ready = httpx.get(f"{fragile.base_url}/readyz", timeout=10)
    assert (503, "not_ready") == (ready.status_code, ready.json()["status"])

    fragile.kafka.start_kafka()
    wait_for(
        lambda: asyncio.run(_post_many(fragile, 1))[0][1].status_code == 202,
        timeout=60,
        what="a 202 after the broker came back",
    )
    after = asyncio.run(_post_many(fragile, 20))
    assert {202} == {r.status_code for _, r in after}
    accepted += [r.json()["id"] for _, r in after]

    stored = {e["subject"] for e in fragile.events()}
    assert set() == set(accepted) - stored, "an event answered 202 is missing from the topic"


def test_a_retry_after_a_real_503_goes_where_the_unconfirmed_attempt_went(
    fragile: Intake,
) -> None:
    """503 while down, then 202: every attempt on the topic has the retry's id and fingerprint."""
    body = {**ESCALATION, "title": f"<b>retried</b> after a 503 {uuid.uuid4()}\x07"}
    headers = {"Authorization": f"Bearer {fragile.admin_key}"}
    fragile.kafka.stop_kafka()
    try:
        refused = httpx.post(f"{fragile.base_url}/v1/escalations", json=body, headers=headers)
        assert int(problem(refused, 503) and refused.headers["retry-after"]) >= 1
    finally:
        fragile.kafka.start_kafka()

    def retried() -> httpx.Response | None:
        answer = httpx.post(
            f"{fragile.base_url}/v1/escalations", json=body, headers=headers, timeout=30
        )
        return answer if answer.status_code == 202 else None

    accepted = wait_for(retried, timeout=60, what="a 202 for the retry").json()
    events = wait_for(
        lambda: [e for e in fragile.events() if e["data"]["request"]["title"] == body["title"]],
        what="the retry on the topic",
    )
    assert {accepted["id"]} == {e["subject"] for e in events}
    assert {accepted["id"]} == {e["data"]["escalation_id"] for e in events}
    assert 1 == len({e["data"]["fingerprint"] for e in events})
    assert len(events) == len({e["id"] for e in events}), "each attempt is an event of its own"

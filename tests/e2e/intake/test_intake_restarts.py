"""Postgres and broker restarts under an intake with traffic: it stays up, says so, recovers.

This module stops and starts its Postgres and broker, so it runs a stack of its own.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from devstack import services
from devstack.stack import Stack, start_stack
from escalations.contracts.topics import TOPICS
from escalations.db.migrate import upgrade
from tests.e2e.conftest import wait_for
from tests.e2e.intake.conftest import Intake, start_intake
from tests.e2e.intake.helpers import ESCALATION

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def own() -> Iterator[Stack]:
    """A Kafka and a Postgres that only this module uses (and stops)."""
    stack = start_stack(topics=TOPICS, env={})
    try:
        assert stack.database_url is not None
        upgrade(stack.database_url)
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def intake(own: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Intake]:
    """An intake on the module's stack that waits at most 2 s for the broker."""
    extra = {"INTAKE_PUBLISH_TIMEOUT_SECONDS": "2", "INTAKE_WORKERS": "1"}
    running = start_intake(own, own, tmp_path_factory.mktemp("restarts"), extra)
    try:
        yield running
    finally:
        services.stop([running.process])


async def _post_many(intake: Intake, n: int) -> list[httpx.Response]:
    headers = {"Authorization": f"Bearer {intake.admin_key}"}
    async with httpx.AsyncClient(base_url=intake.base_url, headers=headers, timeout=30) as client:

        async def one() -> httpx.Response:
            body = {**ESCALATION, "external_id": f"RST-{uuid.uuid4()}"}
            return await client.post("/v1/escalations", json=body)

        return await asyncio.gather(*(one() for _ in range(n)))


def readyz(intake: Intake) -> tuple[int, dict[str, Any]]:
    """Return the readiness status code and body."""
    response = httpx.get(f"{intake.base_url}/readyz", timeout=10)
    return response.status_code, response.json()


@pytest.mark.parametrize("dependency", ["postgres", "kafka"])
def test_a_restart_under_traffic_keeps_the_intake_up_and_every_202_published(
    own: Stack, intake: Intake, dependency: str
) -> None:
    """Requests before, during and after: 202 or 503 (never 500); every 202 is on the topic."""
    responses = asyncio.run(_post_many(intake, 20))
    if dependency == "postgres":
        own.stop_postgres()
    else:
        own.stop_kafka()
    wait_for(
        lambda: dependency in readyz(intake)[1]["outages"],
        timeout=30,
        what=f"readiness to report {dependency} out",
    )
    during = asyncio.run(_post_many(intake, 10))
    time.sleep(2)
    code, body = readyz(intake)
    alive = intake.process.popen.poll() is None
    if dependency == "postgres":
        own.start_postgres()
    else:
        own.start_kafka()
    wait_for(lambda: readyz(intake)[0] == 200, timeout=60, what="ready again")
    after = asyncio.run(_post_many(intake, 20))
    responses += during + after
    assert (503, True) == (code, alive)
    assert "since" in body["outages"][dependency]
    assert {202, 503} >= {r.status_code for r in during}
    assert {202} == {r.status_code for r in after}
    accepted = {r.json()["id"] for r in responses if r.status_code == 202}
    stored = {e["subject"] for e in intake.events()}
    assert set() == accepted - stored, "an escalation answered 202 is missing from the topic"

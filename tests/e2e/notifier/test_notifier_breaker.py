"""The circuit breaker: a dead endpoint is not hammered; deliveries wait, then go out once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from devstack.stack import Stack
from escalations.core.escalation import Tier
from tests.support import wait_for as wait_until

from .harness import (
    WEBHOOK_SECRET,
    NotifierUnderTest,
    assigned,
    notifier,
    person,
    produce,
    team,
)
from .receivers import HttpReceiver

pytestmark = pytest.mark.e2e
MESSAGES = 10


@pytest.fixture(scope="module")
def breaker_setup(
    stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[NotifierUnderTest, HttpReceiver]]:
    """A notifier whose breakers open after 3 failures, for 1 s at first."""
    receiver = HttpReceiver(WEBHOOK_SECRET.encode()).start()
    config = {
        "people": [person("b-ana", contacts={"webhook": receiver.url("/hook/b-ana")})],
        "teams": [team("desk", "b-ana", ["b-ana"])],
    }
    env = {"NOTIFIER_BREAKER_FAILURES": "3", "NOTIFIER_BREAKER_OPEN_SECONDS": "1",
           "NOTIFIER_MAX_ATTEMPTS": "30"}  # fmt: skip
    try:
        with notifier(stack, tmp_path_factory.mktemp("breaker"), "breaker", config, env) as n:
            yield n, receiver
    finally:
        receiver.stop()


def _gauge(n: NotifierUnderTest) -> float:
    line = next(
        line
        for line in n.metrics().splitlines()
        if line.startswith('notifier_circuit_open{channel="webhook"}')
    )
    return float(line.split()[-1])


def test_open_circuit_parks_deliveries_then_sends_each_once(
    breaker_setup: tuple[NotifierUnderTest, HttpReceiver], stack: Any
) -> None:
    """Ten messages to a dead host cost a handful of requests, not ten times the retries."""
    n, receiver = breaker_setup
    receiver.down("/hook/b-ana")
    envelopes = produce(stack, *(assigned("b-ana", tier=Tier.P2) for _ in range(MESSAGES)))
    wait_until(lambda: _gauge(n) == 1.0, what="the circuit to open")
    time.sleep(2.5)
    tried = len(receiver.received("/hook/b-ana", accepted_only=False))
    assert tried < MESSAGES, f"{tried} requests for {MESSAGES} messages: the breaker did not hold"
    parked = n.rows("SELECT count(*) FROM deliveries WHERE status = 'retrying'")[0][0]
    assert MESSAGES == parked

    receiver.up("/hook/b-ana")
    wanted = {e.id for e in envelopes}

    def delivered() -> set[str]:
        return {r.headers["X-Escalation-Event-Id"] for r in receiver.received("/hook/b-ana")}

    wait_until(lambda: delivered() >= wanted, timeout=20, what="every parked delivery")
    ids = [r.headers["X-Escalation-Event-Id"] for r in receiver.received("/hook/b-ana")]
    assert sorted(wanted) == sorted(ids)
    wait_until(lambda: _gauge(n) == 0.0, what="the circuit to close")

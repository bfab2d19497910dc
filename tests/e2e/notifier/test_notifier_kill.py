"""kill -9 mid-batch, then restart: no page is sent twice except the few in flight, none lost."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest

from devstack.stack import Stack
from escalations.core.escalation import Tier
from tests.support import wait_for as wait_until

from .harness import WEBHOOK_SECRET, assigned, notifier, person, produce, team
from .receivers import HttpReceiver, Request

pytestmark = pytest.mark.e2e
EVENTS = 150


def _key(request: Request) -> tuple[str, str]:
    if request.path.startswith("/pd"):
        return (request.json()["payload"]["custom_details"]["event_id"], "pagerduty")
    return (request.headers["X-Escalation-Event-Id"], "webhook")


def test_kill_9_mid_batch_loses_nothing_and_repeats_only_the_in_flight(
    stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Every page arrives; a duplicate is only possible for a send in flight at the kill."""
    receiver = HttpReceiver(WEBHOOK_SECRET.encode(), delay=0.02).start()
    config = {
        "people": [
            person("k-ana", contacts={"pagerduty": "R0UTE-K", "webhook": receiver.url("/hook/k")})
        ],
        "teams": [team("desk", "k-ana", ["k-ana"])],
    }
    env: dict[str, Any] = {"NOTIFIER_PAGERDUTY_URL": receiver.url("/pd/v2/enqueue")}
    try:
        with notifier(stack, tmp_path_factory.mktemp("kill"), "kill", config, env) as n:
            envelopes = produce(stack, *(assigned("k-ana", tier=Tier.P1) for _ in range(EVENTS)))
            wanted = {(e.id, c) for e in envelopes for c in ("pagerduty", "webhook")}
            try:
                wait_until(
                    lambda: len(receiver.requests) >= len(wanted) // 4, what="sends under way"
                )
            except BaseException:
                print(n.log())
                raise
            n.kill()
            time.sleep(0.2)  # requests already accepted by the receiver's threads complete
            in_flight = {(r[0], r[1]) for r in n.rows(
                "SELECT event_id, channel FROM deliveries WHERE status = 'pending'")}  # fmt: skip
            before = len(receiver.requests)
            assert 0 < before < len(wanted), "the kill must land mid-batch"
            n.start()

            def received() -> Counter[tuple[str, str]]:
                return Counter(
                    _key(r)
                    for r in receiver.received("/pd/v2/enqueue") + receiver.received("/hook/k")
                )

            wait_until(
                lambda: set(received()) >= wanted, timeout=30, what="every page after restart"
            )
            wait_until(lambda: not n.rows("SELECT 1 FROM deliveries WHERE status <> 'sent'"),
                       timeout=15, what="the ledger to settle")  # fmt: skip
            counts = received()
            twice = {key for key, count in counts.items() if count > 1}
            assert set() == twice - in_flight, "sent twice although the ledger had it as sent"
            assert [] == [key for key, count in counts.items() if count > 2]
            assert wanted == set(counts)
    finally:
        receiver.stop()

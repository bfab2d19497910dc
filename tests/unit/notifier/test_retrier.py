"""The retry loop re-reads the address from the configuration and hands rows to the deliverer."""

from __future__ import annotations

from escalations_notifier.ledger import Stored
from escalations_notifier.retrier import Retrier
from tests.fakes.notifier import FakeDeliverer, FakeDueLedger

from .fixtures import NOW, planner


def stored(recipient: str, channel: str, attempts: int) -> Stored:
    """Return a leased row."""
    key = (f"e-{recipient}", recipient, channel)
    return Stored(key, "x1", "escalation.assigned", NOW, {"n": 1}, attempts)


async def test_once_resolves_addresses_and_keeps_attempt_counts() -> None:
    """Known contacts get their current address; a vanished one gets none (parked later)."""
    rows = [
        stored("ana", "pagerduty", 2),
        stored("team:desk", "slack", 1),
        stored("lee", "teams", 3),
    ]
    deliverer = FakeDeliverer()
    retrier = Retrier(FakeDueLedger(rows), deliverer, planner(), 0.1)  # type: ignore[arg-type]
    assert 3 == await retrier.once()
    attempts = deliverer.batches[0][0]
    assert [
        ("R0UTINGKEYANA", 2),
        ("https://hooks.slack.test/services/T/B/desk-secret", 1),
        ("", 3),
    ] == [(a.message.address, a.attempts) for a in attempts]
    assert ({"n": 1}, NOW) == (attempts[0].message.body, attempts[0].message.event_time)


async def test_once_with_nothing_due_delivers_nothing() -> None:
    """An empty lease is a no-op."""
    deliverer = FakeDeliverer()
    retrier = Retrier(FakeDueLedger([]), deliverer, planner(), 0.1)  # type: ignore[arg-type]
    assert (0, []) == (await retrier.once(), deliverer.batches)

"""The retry wrapper: backoff, Retry-After, breaker parking, inline budget, DLQ, ordering."""

from __future__ import annotations

import asyncio

import pytest

from escalations_notifier.breaker import Breakers, State
from escalations_notifier.channels import DeliveryError, Message
from escalations_notifier.deliver import Attempt, Deliverer, RetryPolicy
from escalations_notifier.ledger import Outcome
from tests.fakes.notifier import FakeChannel, FakeLedger, FakeProducer

from .fixtures import NOW

FAST = RetryPolicy(max_attempts=4, base_seconds=0.001, max_seconds=0.002, inline_seconds=5)


def message(
    event_id: str = "e1", escalation: str = "x1", event_type: str = "escalation.assigned"
) -> Message:
    """Return a webhook message."""
    return Message(
        event_id, event_type, escalation, "ana", "webhook", "https://receiver/a", {}, NOW
    )


def deliverer(
    channel: FakeChannel, policy: RetryPolicy = FAST, breaker_failures: int = 100
) -> tuple[Deliverer, FakeLedger, FakeProducer, Breakers]:
    """Return a deliverer over fakes."""
    ledger, producer = FakeLedger(), FakeProducer()
    breakers = Breakers(breaker_failures, 60.0)
    return (
        Deliverer({"webhook": channel}, ledger, producer, policy, breakers),
        ledger,
        producer,
        breakers,
    )


def retryable(retry_after: float | None = None) -> DeliveryError:
    """Return a transient failure."""
    return DeliveryError("webhook answered 503", retryable=True, retry_after=retry_after)


async def test_transient_failures_are_retried_and_sent_once() -> None:
    """Three 503s, then success: one delivery, recorded as sent after four attempts."""
    channel = FakeChannel([retryable()] * 3)
    d, ledger, producer, _ = deliverer(channel)
    await d.run([Attempt(message())])
    assert (["e1"], [Outcome(("e1", "ana", "webhook"), "sent", 4)], []) == (
        channel.sent, ledger.outcomes, producer.records,
    )  # fmt: skip


async def test_permanent_failure_is_parked_at_once_with_the_error() -> None:
    """A 400 is not retried: one attempt, a DLQ record with the last error."""
    channel = FakeChannel([DeliveryError("webhook answered 400", retryable=False)])
    d, ledger, producer, _ = deliverer(channel)
    await d.run([Attempt(message())])
    assert (1, "dead_lettered", "webhook answered 400") == (
        channel.calls, ledger.outcomes[0].status, producer.records[0]["last_error"],
    )  # fmt: skip
    assert ("notifications.dlq.v1", 1) == (
        producer.records[0]["topic"],
        producer.records[0]["attempts"],
    )


async def test_max_attempts_then_dlq() -> None:
    """A receiver that never recovers gets max_attempts tries, then the DLQ."""
    channel = FakeChannel([retryable()] * 10)
    d, ledger, producer, _ = deliverer(channel)
    await d.run([Attempt(message())])
    assert (4, "dead_lettered", 1) == (
        channel.calls,
        ledger.outcomes[0].status,
        len(producer.records),
    )


async def test_out_of_inline_time_hands_over_to_the_retry_queue() -> None:
    """A Retry-After beyond the inline budget defers the message with that delay."""
    channel = FakeChannel([retryable(retry_after=30.0)])
    policy = RetryPolicy(max_attempts=5, base_seconds=0.01, max_seconds=60, inline_seconds=1)
    d, ledger, _, _ = deliverer(channel, policy)
    await d.run([Attempt(message())])
    assert [
        Outcome(("e1", "ana", "webhook"), "retrying", 1, "webhook answered 503", 30.0)
    ] == ledger.outcomes


async def test_open_circuit_parks_without_sending() -> None:
    """Once the breaker is open, further messages wait in the queue without a request."""
    channel = FakeChannel([retryable()] * 10)
    policy = RetryPolicy(max_attempts=10, base_seconds=0.001, max_seconds=0.001, inline_seconds=5)
    d, ledger, _, breakers = deliverer(channel, policy, breaker_failures=2)
    await d.run([Attempt(message("e1", "x1")), Attempt(message("e2", "x2"))])
    assert State.OPEN == breakers.state("webhook", "https://receiver")
    assert (2, {"retrying"}) == (channel.calls, {o.status for o in ledger.outcomes})
    assert {"circuit open"} == {o.error for o in ledger.outcomes}


async def test_later_messages_of_a_stream_queue_behind_a_deferred_one() -> None:
    """If a page is deferred, the resolve for the same escalation must not overtake it."""
    channel = FakeChannel([retryable(retry_after=30.0)])
    policy = RetryPolicy(max_attempts=5, base_seconds=0.01, max_seconds=60, inline_seconds=1)
    d, ledger, _, _ = deliverer(channel, policy)
    await d.run([Attempt(message("e1")), Attempt(message("e2", event_type="escalation.resolved"))])
    assert ([], ["retrying", "retrying"], 1) == (
        channel.sent, [o.status for o in ledger.outcomes], channel.calls,
    )  # fmt: skip


async def test_blocked_messages_are_queued_not_sent() -> None:
    """A message behind an older unfinished one (per the ledger) is queued at once."""
    channel = FakeChannel()
    d, ledger, _, _ = deliverer(channel)
    await d.run([Attempt(message())], blocked=frozenset({("e1", "ana", "webhook")}))
    assert ([], "retrying", "queued") == (
        channel.sent,
        ledger.outcomes[0].status,
        ledger.outcomes[0].error,
    )


async def test_a_message_whose_contact_is_gone_is_parked() -> None:
    """A retry finds no contact in the configuration: parked, with the reason."""
    d, ledger, producer, _ = deliverer(FakeChannel())
    gone = Message("e1", "escalation.assigned", "x1", "ana", "webhook", "", {}, NOW)
    await d.run([Attempt(gone, attempts=2)])
    assert ("dead_lettered", "no webhook contact for ana in the configuration") == (
        ledger.outcomes[0].status, producer.records[0]["last_error"],
    )  # fmt: skip


@pytest.mark.parametrize("attempt", [1, 2, 3, 8])
def test_backoff_is_full_jitter_under_an_exponential_ceiling(attempt: int) -> None:
    """Delays fall in [0, min(max, base * 2^(n-1))]."""
    policy = RetryPolicy(max_attempts=10, base_seconds=0.5, max_seconds=4.0)
    ceiling = min(4.0, 0.5 * 2 ** (attempt - 1))
    delays = [policy.delay(attempt, None) for _ in range(200)]
    assert (True, True) == (all(0 <= d <= ceiling for d in delays), max(delays) > ceiling / 2)


def test_retry_after_is_honoured_but_capped() -> None:
    """The server's Retry-After wins over backoff, up to the configured maximum."""
    policy = RetryPolicy(max_attempts=10, base_seconds=0.5, max_seconds=30.0)
    assert (7.0, 30.0) == (policy.delay(1, 7.0), policy.delay(1, 3600.0))


class SlowChannel(FakeChannel):
    """Takes ``seconds`` per send."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds

    async def send(self, message: Message) -> None:
        await asyncio.sleep(self.seconds)
        await super().send(message)


async def test_no_send_starts_after_the_inline_budget() -> None:
    """Messages still waiting for a send slot when the budget runs out go to the retry queue."""
    channel = SlowChannel(0.05)
    policy = RetryPolicy(max_attempts=4, base_seconds=0.001, max_seconds=0.002, inline_seconds=0.02)
    ledger, producer = FakeLedger(), FakeProducer()
    d = Deliverer({"webhook": channel}, ledger, producer, policy, Breakers(100, 60.0), 1)
    await d.run([Attempt(message(f"e{i}", f"x{i}")) for i in range(3)])
    assert (["e0"], ["sent", "retrying", "retrying"], {None, "inline time spent"}) == (
        channel.sent,
        [o.status for o in sorted(ledger.outcomes, key=lambda o: o.key)],
        {o.error for o in ledger.outcomes},
    )
    assert [0, 0] == [o.attempts for o in ledger.outcomes if o.status == "retrying"]


async def test_failed_probes_do_not_spend_a_messages_attempts() -> None:
    """While the endpoint stays down, each probe fails without counting: no DLQ, ever."""
    now = [0.0]
    channel = FakeChannel([retryable()] * 20)
    ledger, producer = FakeLedger(), FakeProducer()
    breakers = Breakers(1, 1.0, clock=lambda: now[0], max_open_seconds=3.0)
    d = Deliverer({"webhook": channel}, ledger, producer, FAST, breakers)
    await d.run([Attempt(message())])  # fails once: the breaker opens, the message waits
    assert (1, "circuit open") == (ledger.outcomes[-1].attempts, ledger.outcomes[-1].error)
    for step in range(10):  # ten failed probes, far past max_attempts (4)
        now[0] += 3.0
        await d.run([Attempt(message(), attempts=ledger.outcomes[-1].attempts)])
        last = ledger.outcomes[-1]
        assert ("retrying", 1) == (last.status, last.attempts), step
        assert 0 < last.delay <= 3.0
    assert ([], 11) == (producer.records, channel.calls)
    channel.failures.clear()
    now[0] += 3.0
    await d.run([Attempt(message(), attempts=1)])
    assert (["e1"], "sent", []) == (channel.sent, ledger.outcomes[-1].status, producer.records)

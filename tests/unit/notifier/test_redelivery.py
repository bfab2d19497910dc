"""Re-sends after an unknown outcome are marked; outcomes that cannot be written are kept."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace

import pytest

from escalations.contracts.events import EscalationAssigned
from escalations.core.escalation import Tier
from escalations.outages import Outages
from escalations_notifier import metrics
from escalations_notifier.breaker import Breakers
from escalations_notifier.channels import DeliveryError, Message
from escalations_notifier.channels.email import EmailChannel, SmtpConfig
from escalations_notifier.deliver import Attempt, Deliverer, RetryPolicy
from escalations_notifier.ledger import Key, Outcome, Stored
from escalations_notifier.retrier import Retrier
from escalations_notifier.templates import Templates
from tests.fakes.notifier import FakeChannel, FakeProducer

from .fixtures import NOW, event, planner, summary
from .test_deliver import FAST, message

SMTP = SmtpConfig("smtp.test", 25, False, None, None, "Desk <desk@example.com>", 5)


def stored(found: str | None) -> Stored:
    """Return a row as the lease returns it, with the status the lease found."""
    return Stored(("e1", "ana", "pagerduty"), "x1", "escalation.assigned", NOW, {}, 1, found=found)


@pytest.mark.parametrize(
    ("found", "marked"),
    [
        ("pending", True),  # leased while pending: its sender died or could not record
        ("retrying", False),  # the last attempt failed, and that was recorded
        ("held", False),  # quiet hours ended: the first attempt
        (None, False),  # not leased (a replay reads it back)
    ],
)
def test_only_a_row_found_pending_is_a_redelivery(found: str | None, marked: bool) -> None:
    """The mark says the outcome of an earlier attempt is unknown, nothing else."""
    assert marked == stored(found).redelivery


class LeasingLedger:
    """Hands out rows once; records wakes and reclaims; may fail the first leases."""

    owner = "n-1"

    def __init__(self, rows: list[Stored], failures: int = 0) -> None:
        self.rows = rows
        self.failures = failures
        self.woken: list[list[str]] = []
        self.reclaimed = 0
        self.leases = 0

    async def lease_due(self, limit: int) -> list[Stored]:
        self.leases += 1
        if self.failures:
            self.failures -= 1
            raise ConnectionResetError("connection reset by peer")
        rows, self.rows = self.rows, []
        return rows

    async def wake(self, channels: Sequence[str]) -> None:
        self.woken.append(list(channels))

    async def reclaim_own(self) -> int:
        self.reclaimed += 1
        return 2

    async def parked(self) -> int:
        return 0


class Recording:
    """A deliverer that records attempts and may claim unrecorded outcomes."""

    def __init__(self, unrecorded: int = 0) -> None:
        self.attempts: list[Attempt] = []
        self.unrecorded = unrecorded
        self.delivered = asyncio.Event()

    async def run(self, attempts: Sequence[Attempt], blocked: frozenset[Key] = frozenset()) -> None:
        self.attempts += attempts
        self.delivered.set()


async def test_the_retrier_marks_the_messages_of_rows_found_pending() -> None:
    """A row whose lease ran out while pending goes out marked; a plain retry does not."""
    rows = [stored("pending"), replace(stored("retrying"), key=("e2", "ana", "pagerduty"))]
    deliverer = Recording()
    retrier = Retrier(LeasingLedger(rows), deliverer, planner(), 0.1)  # type: ignore[arg-type]
    await retrier.once()
    assert [("e1", True), ("e2", False)] == [
        (a.message.event_id, a.message.redelivery) for a in deliverer.attempts
    ]


async def test_a_wake_makes_the_channel_due_before_the_next_lease() -> None:
    """A circuit that closes makes its channel's waiting retries due at the next round."""
    ledger = LeasingLedger([])
    retrier = Retrier(ledger, Recording(), planner(), 0.1)  # type: ignore[arg-type]
    retrier.wake("webhook")
    retrier.wake("slack")
    await retrier.once()
    await retrier.once()
    assert [["slack", "webhook"]] == ledger.woken


async def test_the_retry_loop_outlives_a_database_outage_and_reclaims_once() -> None:
    """Two failed leases are retried with backoff, reported, then the loop goes on."""
    ledger, outages, stop = (
        LeasingLedger([stored("pending")], failures=2),
        Outages(),
        asyncio.Event(),
    )
    deliverer = Recording()
    retrier = Retrier(ledger, deliverer, planner(), 0.01, outages)  # type: ignore[arg-type]
    task = asyncio.create_task(retrier.run(stop))
    await asyncio.wait_for(deliverer.delivered.wait(), 5)
    during = ledger.leases
    stop.set()
    await asyncio.wait_for(task, 5)
    assert (3, 1, {}) == (during, ledger.reclaimed, outages.status())


async def test_the_retry_loop_leases_nothing_while_outcomes_wait_in_memory() -> None:
    """While this process holds unrecorded outcomes, their rows are not leased again."""
    ledger, stop = LeasingLedger([stored("pending")]), asyncio.Event()
    retrier = Retrier(ledger, Recording(unrecorded=1), planner(), 0.01)  # type: ignore[arg-type]
    task = asyncio.create_task(retrier.run(stop))
    await asyncio.sleep(0.1)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert (0, 1) == (ledger.leases, ledger.reclaimed)


class FlakyLedger:
    """Refuses the first ``failures`` writes like a Postgres that is down, then records."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.outcomes: list[Outcome] = []
        self.tries = 0
        self.refused = asyncio.Event()

    async def finish(self, outcomes: Sequence[Outcome]) -> None:
        self.tries += 1
        if self.failures:
            self.refused.set()
            self.failures -= 1
            raise OSError("the database system is starting up")
        self.outcomes += outcomes


async def test_an_outcome_that_cannot_be_written_is_kept_and_written_later() -> None:
    """Sent once; the write fails three times; the outcome is recorded, never re-sent."""
    channel, ledger, outages = FakeChannel(), FlakyLedger(3), Outages()
    deliverer = Deliverer(
        {"webhook": channel}, ledger, FakeProducer(), FAST, Breakers(100, 60.0), outages=outages
    )
    task = asyncio.create_task(deliverer.run([Attempt(message())]))
    await asyncio.wait_for(ledger.refused.wait(), 5)
    held = (deliverer.unrecorded, metrics.UNRECORDED._value.get())
    await asyncio.wait_for(task, 5)
    assert ((1, 1.0), ["e1"], 4) == (held, channel.sent, ledger.tries)
    assert ([Outcome(("e1", "ana", "webhook"), "sent", 1)], 0) == (
        ledger.outcomes, deliverer.unrecorded,
    )  # fmt: skip


async def test_a_stopping_notifier_gives_up_an_unwritable_outcome() -> None:
    """Once the service stops, an outcome Postgres still refuses is raised, not waited for."""
    ledger = FlakyLedger(100)
    deliverer = Deliverer(
        {"webhook": FakeChannel()}, ledger, FakeProducer(), FAST, Breakers(100, 60.0)
    )
    deliverer.stop.set()
    with pytest.raises(OSError, match="starting up"):
        await deliverer.run([Attempt(message())])
    assert 0 == deliverer.unrecorded


async def test_a_redelivery_is_counted_per_channel() -> None:
    """notifier_redeliveries_total counts each marked re-send."""
    child = metrics.REDELIVERIES.labels("webhook")
    before = child._value.get()
    deliverer = Deliverer(
        {"webhook": FakeChannel()}, FlakyLedger(0), FakeProducer(), FAST, Breakers(100, 60.0)
    )
    await deliverer.run([Attempt(replace(message(), redelivery=True)), Attempt(message("e2"))])
    assert 1 == child._value.get() - before


async def test_a_closing_circuit_wakes_the_waiting_retries_of_its_channel() -> None:
    """The probe that succeeds after an outage reports the channel as recovered."""
    channel, woken = FakeChannel(), []
    breakers = Breakers(1, 0.001)
    breakers.failure("webhook", "https://receiver")
    await asyncio.sleep(0.01)
    deliverer = Deliverer(
        {"webhook": channel}, FlakyLedger(0), FakeProducer(), FAST, breakers,
        on_recovered=woken.append,
    )  # fmt: skip
    await deliverer.run([Attempt(message()), Attempt(message("e2", escalation="x2"))])
    assert ["webhook"] == woken


@pytest.mark.parametrize("redelivery", [False, True])
def test_email_marks_a_redelivery_with_a_header(redelivery: bool) -> None:
    """A re-sent e-mail keeps its Message-ID and says X-Escalation-Redelivery: 1."""
    payload = EscalationAssigned(escalation=summary(tier=Tier.P1), owner="ana", team="desk")
    planned = planner().plan(event(payload), payload).messages
    email = next(m for m in planned if m.channel == "email" and m.recipient == "ana")
    mail = EmailChannel(SMTP, Templates()).compose(replace(email, redelivery=redelivery))
    assert ("1" if redelivery else None, f"<{email.event_id}.ana@escalations.invalid>") == (
        mail["X-Escalation-Redelivery"], mail["Message-ID"],
    )  # fmt: skip


class SlowChannel(FakeChannel):
    """Fails the messages of escalation ``slow`` (retryable), sends the others at once."""

    async def send(self, message: Message) -> None:
        if message.escalation_id == "slow":
            self.calls += 1
            raise DeliveryError("webhook answered 503", retryable=True)
        await super().send(message)


async def test_what_was_sent_is_recorded_before_a_slow_stream_finishes() -> None:
    """A batch with one escalation retrying inline records the others' sends at once."""
    ledger = FlakyLedger(0)
    policy = RetryPolicy(max_attempts=50, base_seconds=0.05, max_seconds=0.05, inline_seconds=1)
    deliverer = Deliverer(
        {"webhook": SlowChannel()}, ledger, FakeProducer(), policy, Breakers(100, 60.0)
    )
    task = asyncio.create_task(
        deliverer.run([Attempt(message("e1")), Attempt(message("e2", escalation="slow"))])
    )
    await asyncio.sleep(0.3)
    early = [o.key[0] for o in ledger.outcomes]
    await asyncio.wait_for(task, 5)
    assert (["e1"], ["e1", "e2"], 2) == (early, [o.key[0] for o in ledger.outcomes], ledger.tries)


async def test_an_empty_batch_records_nothing() -> None:
    """Nothing to send: no statement at all."""
    ledger = FlakyLedger(0)
    deliverer = Deliverer(
        {"webhook": FakeChannel()}, ledger, FakeProducer(), FAST, Breakers(1, 1.0)
    )
    await deliverer.run([])
    assert 0 == ledger.tries

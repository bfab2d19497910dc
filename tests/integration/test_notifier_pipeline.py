"""The consume loop over the real ledger: overlapping claims keep stream order and send once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka import TopicPartition
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from escalations.contracts.codec import build_event
from escalations.contracts.envelope import Envelope, encode
from escalations.contracts.events import EscalationAssigned
from escalations.core.escalation import Tier
from escalations_notifier.batch import Notifier
from escalations_notifier.breaker import Breakers
from escalations_notifier.channels import Message
from escalations_notifier.consumer import consume
from escalations_notifier.deliver import Deliverer, RetryPolicy
from escalations_notifier.ledger import Ledger
from tests.unit.notifier.fixtures import NOW, planner, summary

pytestmark = pytest.mark.integration
TP = TopicPartition("escalations.events.v1", 0)


class Record:
    """A consumed record."""

    def __init__(self, offset: int, envelope: Envelope) -> None:
        self.offset, self.value = offset, encode(envelope)
        self.topic, self.partition, self.key = TP.topic, 0, None


class Consumer:
    """Hands out the given batches, then nothing; records commits."""

    def __init__(self, batches: list[list[Envelope]]) -> None:
        offsets = iter(range(1_000_000))
        self.batches = [[Record(next(offsets), e) for e in batch] for batch in batches]
        self.commits: list[dict[TopicPartition, int]] = []
        self.drained = asyncio.Event()

    async def getmany(self, timeout_ms: int, max_records: int) -> dict[TopicPartition, Any]:
        await asyncio.sleep(0)
        if not self.batches:
            self.drained.set()
            return {}
        return {TP: self.batches.pop(0)}

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.commits.append(dict(offsets))

    def highwater(self, tp: TopicPartition) -> int | None:
        return None


class Channel:
    """A webhook adapter that takes ``delay`` per send and records the event ids it sent."""

    name = "webhook"

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.sent: list[str] = []

    def endpoint(self, message: Message) -> str:
        return "https://receiver"

    async def send(self, message: Message) -> None:
        await asyncio.sleep(self.delay)
        self.sent.append(message.event_id)


class Producer:
    """A DLQ producer nothing should reach."""

    async def send_and_wait(self, *args: Any, **kwargs: Any) -> None:
        raise AssertionError("nothing is parked in these tests")


@pytest.fixture
async def ledger(ledger_engine: AsyncEngine) -> AsyncIterator[Ledger]:
    """The ledger, its held connections closed after the test."""
    ledger = Ledger(ledger_engine, 60)
    yield ledger
    await ledger.close()


def assigned(escalation: str) -> Envelope:
    """Return a P2 assignment of ``escalation`` to ana (no team chat), as the router would."""
    esc = summary(id=escalation, tier=Tier.P2)
    payload = EscalationAssigned(escalation=esc, owner="ana", team="desk")
    return build_event(payload, subject=escalation, source="/router", time=NOW)


async def run(ledger: Ledger, channel: Channel, batches: list[list[Envelope]]) -> Consumer:
    """Feed the batches through the consume loop until every batch is delivered."""
    policy, breakers = RetryPolicy(3, 0.01, 0.02), Breakers(5, 1)
    deliverer = Deliverer({"webhook": channel}, ledger, Producer(), policy, breakers)
    notifier = Notifier(planner(available=("webhook",)), ledger, deliverer)
    consumer, stop = Consumer(batches), asyncio.Event()
    loop = asyncio.create_task(consume(consumer, notifier, stop))  # type: ignore[arg-type]
    await consumer.drained.wait()
    stop.set()
    await asyncio.wait_for(loop, 10)
    return consumer


async def statuses(ledger_engine: AsyncEngine) -> dict[str, tuple[str, str | None]]:
    """Return event id -> (status, last error)."""
    async with ledger_engine.connect() as conn:
        rows = await conn.execute(text("SELECT event_id, status, last_error FROM deliveries"))
        return {r[0]: (r[1], r[2]) for r in rows}


async def test_a_later_batch_of_the_same_escalation_waits_for_the_claim_before_it(
    ledger_engine: AsyncEngine, ledger: Ledger
) -> None:
    """Batch 1's claim is held up; batch 2 (same escalation) waits, then queues behind it."""
    first, other, second = assigned("x1"), assigned("y1"), assigned("x1")
    channel = Channel(delay=0.2)
    async with ledger_engine.connect() as blocker:
        # An uncommitted row with batch 1's key makes its claim wait for this transaction.
        held_up = await blocker.begin()
        await blocker.execute(
            text("INSERT INTO deliveries (event_id, recipient, channel, escalation_id, status, "
                 "attempts, created_at, updated_at) "
                 "VALUES (:e, 'ana', 'webhook', 'x1', 'pending', 0, now(), now())"),
            {"e": first.id},
        )  # fmt: skip
        running = asyncio.create_task(run(ledger, channel, [[first], [other, second]]))
        await asyncio.sleep(0.3)
        await held_up.rollback()
    consumer = await running
    found = await statuses(ledger_engine)
    assert (
        {first.id: ("sent", None), other.id: ("sent", None), second.id: ("retrying", "queued")},
        sorted([first.id, other.id]),
        {TP: 3},
    ) == (found, sorted(channel.sent), consumer.commits[-1])


async def test_many_unrelated_batches_claimed_side_by_side_are_each_sent_once(
    ledger_engine: AsyncEngine, ledger: Ledger
) -> None:
    """Forty batches of new escalations: every page is sent exactly once, every row is sent."""
    batches = [[assigned(f"x{b}-{i}") for i in range(5)] for b in range(40)]
    channel = Channel(delay=0.005)
    consumer = await run(ledger, channel, batches)
    found = await statuses(ledger_engine)
    wanted = {e.id for batch in batches for e in batch}
    assert (Counter(dict.fromkeys(wanted, 1)), {"sent"}, {TP: 200}) == (
        Counter(channel.sent), {s for s, _ in found.values()}, consumer.commits[-1],
    )  # fmt: skip

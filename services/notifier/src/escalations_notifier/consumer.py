"""The notifier's consumer loop: plan a batch, claim it in the ledger, commit, then deliver."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import CommitFailedError
from pydantic import BaseModel

from escalations.contracts.codec import parse_payload
from escalations.contracts.envelope import Envelope, EnvelopeError, decode
from escalations.kafka import KafkaRecord
from escalations_notifier import metrics
from escalations_notifier.deliver import Attempt, Deliverer
from escalations_notifier.ledger import CLOSING_EVENTS, Key, Ledger
from escalations_notifier.plan import Plan, Planner

log = logging.getLogger(__name__)
Record = KafkaRecord
# Batches whose sends may overlap: one being sent while the next is fetched and claimed.
PIPELINE = 4
# How often claimed offsets are committed: a commit is a broker round trip, not a guarantee.
COMMIT_SECONDS = 0.2


@dataclass(frozen=True)
class _Event:
    envelope: Envelope
    payload: BaseModel


def _decode(record: Record) -> _Event | None:
    try:
        envelope = decode(record.value)
        return _Event(envelope, parse_payload(envelope))
    except EnvelopeError as exc:
        # The router's relay wrote it, so this is a producer bug: say so loudly.
        log.error("skipping undecodable event: %s", exc, extra={"offset": record.offset})
        return None


@dataclass(frozen=True)
class ClaimedBatch:
    """A claimed batch: the messages to send, and those queued behind older ones."""

    attempts: list[Attempt]
    blocked: frozenset[Key]


class Notifier:
    """Turns a batch of router events into deliveries."""

    def __init__(self, planner: Planner, ledger: Ledger, deliverer: Deliverer) -> None:
        self._planner = planner
        self._ledger = ledger
        self._deliverer = deliverer

    async def handle(self, records: Sequence[Record]) -> None:
        """Deliver everything a batch of events asks for (records in partition order)."""
        await self.deliver(await self.claim(records))

    async def claim(self, records: Sequence[Record]) -> ClaimedBatch:
        """Plan a batch and write its ledger rows; return what this process must send."""
        events = [e for e in map(_decode, records) if e is not None]
        opening = [e for e in events if e.envelope.type not in CLOSING_EVENTS]
        closing = [e for e in events if e.envelope.type in CLOSING_EVENTS]
        # Claim the batch's pages first, so a close in the same batch finds them.
        plans = {id(e): self._planner.plan(e.envelope, e.payload) for e in opening}
        claimed = [await self._claim(plans.values())]
        if closing:
            paged = await self._ledger.paged(e.envelope.subject or "" for e in closing)
            for e in closing:
                plans[id(e)] = self._planner.plan(
                    e.envelope, e.payload, paged.get(e.envelope.subject or "", [])
                )
            claimed.append(await self._claim(plans[id(e)] for e in closing))
        owned: frozenset[Key] = frozenset().union(*(c[0] for c in claimed))
        blocked: frozenset[Key] = frozenset().union(*(c[1] for c in claimed))
        attempts = [Attempt(m) for e in events for m in plans[id(e)].messages if m.key in owned]
        return ClaimedBatch(attempts, blocked)

    async def deliver(self, claimed: ClaimedBatch) -> None:
        """Send what a batch claimed and record the outcomes."""
        await self._deliverer.run(claimed.attempts, claimed.blocked)

    async def _claim(self, plans: Iterable[Plan]) -> tuple[frozenset[Key], frozenset[Key]]:
        plan_list = list(plans)
        messages = [m for p in plan_list for m in p.messages]
        skipped = [(s.message, s.reason) for p in plan_list for s in p.skipped]
        for p in plan_list:
            for recipient, channel in p.unavailable:
                # An unknown person is a configuration error; a channel without an adapter
                # (say, e-mail without an SMTP host) is a deployment choice.
                level = logging.WARNING if channel == "unknown person" else logging.INFO
                log.log(level, "cannot notify %s via %s", recipient, channel)
        claimed = await self._ledger.claim(messages, skipped)
        for m in messages:
            if m.key not in claimed.owned:
                metrics.count(m.channel, "duplicate_skipped")
        for m, _ in skipped:
            if m.key in claimed.skipped:
                metrics.count(m.channel, "skipped_quiet_hours")
        return claimed.owned, claimed.blocked


async def consume(
    consumer: AIOKafkaConsumer, notifier: Notifier, stop: asyncio.Event, overlap: int = PIPELINE
) -> None:
    """Fetch, claim, commit and deliver until ``stop`` is set; batches in flight always finish.

    Claims are made one batch after another, so the ledger sees every batch in order (a
    message whose stream has an older unfinished row, even one still being sent by the
    batch before, is queued behind it). Sending a batch overlaps with fetching and claiming
    the next ones, up to ``overlap`` batches. Offsets of claimed batches are committed every
    ``COMMIT_SECONDS``: from the claim on the ledger holds a batch (a crash leaves its rows
    to the retry loop), and a batch read again after a crash finds its rows and sends nothing.
    """
    sending: set[asyncio.Task[None]] = set()
    offsets: dict[TopicPartition, int] = {}
    committed = time.monotonic()
    try:
        while not stop.is_set():
            batch: dict[TopicPartition, list[Record]] = await consumer.getmany(
                timeout_ms=200, max_records=500
            )
            await _reap(sending, overlap)
            if batch:
                claimed = await notifier.claim([r for rs in batch.values() for r in rs])
                sending.add(asyncio.create_task(notifier.deliver(claimed), name="deliver"))
                offsets.update(_advance(consumer, batch))
            if offsets and time.monotonic() - committed >= COMMIT_SECONDS:
                await _commit(consumer, offsets)
                offsets, committed = {}, time.monotonic()
    finally:
        await asyncio.gather(*sending)
    if offsets:
        await _commit(consumer, offsets)


async def _reap(sending: set[asyncio.Task[None]], overlap: int) -> None:
    """Wait until fewer than ``overlap`` batches are sending; raise what a finished one raised."""
    while True:
        for task in [t for t in sending if t.done()]:
            sending.discard(task)
            task.result()
        if len(sending) < overlap:
            return
        await asyncio.wait(sending, return_when=asyncio.FIRST_COMPLETED)


def _advance(
    consumer: AIOKafkaConsumer, batch: dict[TopicPartition, list[Record]]
) -> dict[TopicPartition, int]:
    """Return the offsets to commit after a batch, and publish the lag behind each partition."""
    for tp, rs in batch.items():
        highwater = consumer.highwater(tp)
        if highwater is not None:
            metrics.CONSUMER_LAG.labels(str(tp.partition)).set(highwater - rs[-1].offset - 1)
    return {tp: rs[-1].offset + 1 for tp, rs in batch.items()}


async def _commit(consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
    try:
        await consumer.commit(offsets)
    except CommitFailedError as exc:
        log.warning("offset commit lost to a rebalance (the ledger prevents resends): %s", exc)

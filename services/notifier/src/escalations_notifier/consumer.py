"""The notifier's consumer loop: plan a batch, claim it in the ledger, deliver, then commit."""

from __future__ import annotations

import asyncio
import logging
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


class Notifier:
    """Turns a batch of router events into deliveries."""

    def __init__(self, planner: Planner, ledger: Ledger, deliverer: Deliverer) -> None:
        self._planner = planner
        self._ledger = ledger
        self._deliverer = deliverer

    async def handle(self, records: Sequence[Record]) -> None:
        """Deliver everything a batch of events asks for (records in partition order)."""
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
        await self._deliverer.run(attempts, blocked)

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
                metrics.DELIVERIES.labels(m.channel, "duplicate_skipped").inc()
        for m, _ in skipped:
            if m.key in claimed.skipped:
                metrics.DELIVERIES.labels(m.channel, "skipped_quiet_hours").inc()
        return claimed.owned, claimed.blocked


async def consume(consumer: AIOKafkaConsumer, notifier: Notifier, stop: asyncio.Event) -> None:
    """Fetch, deliver and commit until ``stop`` is set; the batch in flight always finishes."""
    while not stop.is_set():
        batch: dict[TopicPartition, list[Record]] = await consumer.getmany(
            timeout_ms=200, max_records=500
        )
        if not batch:
            continue
        records = [r for rs in batch.values() for r in rs]
        await notifier.handle(records)
        try:
            await consumer.commit({tp: rs[-1].offset + 1 for tp, rs in batch.items()})
        except CommitFailedError as exc:
            log.warning("offset commit lost to a rebalance (the ledger prevents resends): %s", exc)
        for tp, rs in batch.items():
            highwater = consumer.highwater(tp)
            if highwater is not None:
                metrics.CONSUMER_LAG.labels(str(tp.partition)).set(highwater - rs[-1].offset - 1)

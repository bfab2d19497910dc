"""The router's consumer loop: one Postgres transaction per fetched batch, then offsets.

Per batch: decode every record (poison goes to the dead-letter topic through the outbox),
skip events already processed, lock the escalations touched, apply the state machine, and
commit state, history, processed-event records and outgoing events together. Offsets are
committed only after that transaction; a crash in between replays events that the
processed-event records turn into no-ops.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import CommitFailedError
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from escalations.contracts.codec import build_event, parse_payload, topic_of
from escalations.contracts.envelope import Envelope, EnvelopeError, decode
from escalations.contracts.events import (
    AcknowledgeRequested,
    EscalationReceived,
    ReassignRequested,
    ResolveRequested,
)
from escalations.contracts.topics import ROUTER_DEADLETTER
from escalations.db.models import EscalationRow
from escalations.kafka import KafkaRecord
from escalations_router import metrics, store
from escalations_router.decision import Decider
from escalations_router.state import (
    Outcome,
    on_acknowledge,
    on_reassign,
    on_received,
    on_resolve,
)

log = logging.getLogger(__name__)
Record = KafkaRecord
Handler = Callable[[EscalationRow, Any, Decider, datetime], Outcome]

COMMANDS: dict[type[BaseModel], Handler] = {
    AcknowledgeRequested: on_acknowledge,
    ResolveRequested: on_resolve,
    ReassignRequested: on_reassign,
}


@dataclass(frozen=True)
class Parsed:
    """A decoded input event."""

    record: Record
    envelope: Envelope
    payload: BaseModel


def _dead_letter(record: Record, reason: str, error: str) -> dict[str, Any]:
    value = record.value or b""
    return {
        "reason": reason,
        "error": error,
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "key": record.key.decode(errors="replace") if record.key else None,
        "value_base64": base64.b64encode(value).decode(),
    }


class BatchProcessor:
    """Applies fetched batches to Postgres atomically."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], decider: Decider) -> None:
        self._sessions = sessions
        self._decider = decider

    def _parse(self, records: list[Record]) -> tuple[list[Parsed], list[tuple[Record, str]]]:
        parsed, poison = [], []
        for record in records:
            try:
                envelope = decode(record.value)
                parsed.append(Parsed(record, envelope, parse_payload(envelope)))
            except EnvelopeError as exc:
                poison.append((record, str(exc)))
        return parsed, poison

    async def process(self, records: list[Record]) -> None:
        """Apply a batch in one transaction; raises (and commits nothing) on a database error."""
        now = datetime.now(UTC)
        parsed, poison = self._parse(records)
        async with self._sessions() as session, session.begin():
            done = await store.already_processed(session, (p.envelope.id for p in parsed))
            rows = await store.lock_rows(session, (p.envelope.subject for p in parsed))
            for item in parsed:
                if item.envelope.id in done:
                    continue
                done.add(item.envelope.id)
                self._apply(session, item, rows, now)
            for record, error in poison:
                self._park(session, record, "undecodable", error, now)
        for item in parsed:
            metrics.EVENTS_CONSUMED.labels(item.envelope.type).inc()

    def _apply(
        self, session: AsyncSession, item: Parsed, rows: dict[str, EscalationRow], now: datetime
    ) -> None:
        esc_id = item.envelope.subject
        row = rows.get(esc_id)
        payload = item.payload
        if isinstance(payload, EscalationReceived):
            outcome = on_received(row, payload, self._decider, now)
        elif row is None:
            self._park(session, item.record, "unknown_escalation", f"no escalation {esc_id}", now)
            return
        else:
            outcome = COMMANDS[type(payload)](row, payload, self._decider, now)
        if outcome.row is not None:
            rows[esc_id] = outcome.row
            session.add(outcome.row)
        store.record(session, esc_id, outcome.changes, item.envelope.id, now)
        for event in outcome.events:
            envelope = build_event(event, subject=esc_id, source="/router", time=now)
            store.enqueue_event(session, topic_of(envelope), envelope, now)
        store.mark_processed(session, item.envelope.id, now)
        _observe(outcome, now)

    def _park(
        self, session: AsyncSession, record: Record, reason: str, error: str, now: datetime
    ) -> None:
        synthetic_id = f"dead:{record.topic}:{record.partition}:{record.offset}"
        log.warning(
            "dead-lettered record: %s",
            error,
            extra={"partition": record.partition, "offset": record.offset},
        )
        key = record.key.decode(errors="replace") if record.key else "unknown"
        body = _dead_letter(record, reason, error)
        store.enqueue(session, ROUTER_DEADLETTER, key, synthetic_id, body, now)
        metrics.DEAD_LETTERS.labels(reason).inc()


def _observe(outcome: Outcome, now: datetime) -> None:
    row = outcome.row
    if row is None:
        return
    for change in outcome.changes:
        if change.to_status is None or change.action.endswith("_rejected"):
            continue
        metrics.ESCALATIONS.labels(change.action, row.tier, row.team or "", row.source).inc()
        elapsed = (now - row.received_at).total_seconds()
        if change.action == "assigned" and change.from_status == "received":
            metrics.TIME_TO_ASSIGN.labels(row.tier).observe(elapsed)
        elif change.action == "acknowledged":
            metrics.TIME_TO_ACKNOWLEDGE.labels(row.tier).observe(elapsed)
        elif change.action == "resolved":
            metrics.TIME_TO_RESOLVE.labels(row.tier).observe(elapsed)


async def consume(
    consumer: AIOKafkaConsumer,
    processor: BatchProcessor,
    stop: asyncio.Event,
    *,
    max_batch: int,
    on_committed: Callable[[], None],
) -> None:
    """Fetch, apply and commit until ``stop`` is set; the batch in flight always finishes."""
    while not stop.is_set():
        batch: dict[TopicPartition, list[Record]] = await consumer.getmany(
            timeout_ms=200, max_records=max_batch
        )
        if not batch:
            continue
        records = [r for partition in batch.values() for r in partition]
        await _process_with_retry(processor, records, stop)
        offsets = {tp: rs[-1].offset + 1 for tp, rs in batch.items()}
        try:
            await consumer.commit(offsets)
        except CommitFailedError as exc:
            # A rebalance took the partitions; the new owner replays these records and the
            # processed-event records make that a no-op.
            log.warning("offset commit lost to a rebalance: %s", exc)
        on_committed()
        _update_lag(consumer, batch)


async def _process_with_retry(
    processor: BatchProcessor, records: list[Record], stop: asyncio.Event
) -> None:
    """Apply a batch, retrying while Postgres is unreachable; nothing commits until it works."""
    delay = 0.1
    while True:
        try:
            await processor.process(records)
            return
        except (DBAPIError, OSError) as exc:
            if stop.is_set():
                raise
            log.error("database unavailable, retrying the batch in %.1f s: %s", delay, exc)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


def _update_lag(consumer: AIOKafkaConsumer, batch: dict[TopicPartition, list[Record]]) -> None:
    for tp, records in batch.items():
        highwater = consumer.highwater(tp)
        if highwater is not None:
            metrics.CONSUMER_LAG.labels(str(tp.partition)).set(highwater - records[-1].offset - 1)

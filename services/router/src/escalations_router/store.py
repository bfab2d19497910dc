"""Postgres access for one batch: idempotency check, row locks, history, outbox."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import insert
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from escalations.contracts.codec import build_event, topic_of
from escalations.db.models import EscalationRow, HistoryRow, OutboxRow, ProcessedEventRow
from escalations.db.models_router import ClockRow
from escalations_router.state import Change

CONSUMER = "router"
SOURCE = "/router"


async def already_processed(session: AsyncSession, event_ids: Iterable[str]) -> set[str]:
    """Return which of these input events were applied before."""
    ids = list(event_ids)
    if not ids:
        return set()
    stmt = select(ProcessedEventRow.event_id).where(
        ProcessedEventRow.consumer == CONSUMER, col(ProcessedEventRow.event_id).in_(ids)
    )
    return set((await session.exec(stmt)).all())


async def lock_rows(session: AsyncSession, ids: Iterable[str]) -> dict[str, EscalationRow]:
    """Load and lock the escalations a batch touches (one query)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    # Sorted: every writer locks escalations in id order, so two batches never deadlock.
    stmt = (
        select(EscalationRow)
        .where(col(EscalationRow.id).in_(wanted))
        .order_by(col(EscalationRow.id))
        .with_for_update()
    )
    return {row.id: row for row in (await session.exec(stmt)).all()}


async def load_clocks(session: AsyncSession, ids: Iterable[str]) -> dict[str, ClockRow]:
    """Load the clocks of escalations whose rows this transaction has locked."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    stmt = select(ClockRow).where(col(ClockRow.escalation_id).in_(wanted))
    return {clock.escalation_id: clock for clock in (await session.exec(stmt)).all()}


@dataclass
class Writes:
    """Rows a transaction inserts, written in a few multi-row statements at its end.

    New escalations and clocks are kept as objects while the batch may still change them
    and inserted in their final state; existing rows are updated through the session.
    """

    history: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    processed: list[dict[str, Any]] = field(default_factory=list)
    escalations: list[EscalationRow] = field(default_factory=list)
    clocks: list[ClockRow] = field(default_factory=list)

    def record(
        self, escalation_id: str, changes: Iterable[Change], event_id: str | None, now: datetime
    ) -> None:
        """Append history entries."""
        self.history.extend(
            {
                "escalation_id": escalation_id,
                "at": now,
                "actor": c.actor,
                "action": c.action,
                "from_status": c.from_status,
                "to_status": c.to_status,
                "reason": c.reason,
                "event_id": event_id,
            }
            for c in changes
        )

    def enqueue(
        self, topic: str, key: str, event_id: str, body: dict[str, Any], now: datetime
    ) -> None:
        """Put one outgoing message in the outbox (published by the relay after commit)."""
        self.outbox.append(
            {"event_id": event_id, "topic": topic, "key": key, "envelope": body, "created_at": now}
        )

    def enqueue_all(self, escalation_id: str, events: Iterable[BaseModel], now: datetime) -> None:
        """Wrap payloads in envelopes about one escalation and put them in the outbox."""
        for event in events:
            envelope = build_event(event, subject=escalation_id, source=SOURCE, time=now)
            body = envelope.model_dump(mode="json")
            self.enqueue(topic_of(envelope), envelope.subject, envelope.id, body, now)

    def mark_processed(self, event_id: str, now: datetime) -> None:
        """Record that an input event was applied, in the same transaction as its effects."""
        self.processed.append({"consumer": CONSUMER, "event_id": event_id, "processed_at": now})

    async def flush(self, session: AsyncSession) -> None:
        """Insert everything collected (existing rows are flushed by the session)."""
        await session.flush()
        batches = (
            (EscalationRow, [_values(row) for row in self.escalations]),
            (ClockRow, [_values(clock) for clock in self.clocks]),
            (HistoryRow, self.history),
            (OutboxRow, self.outbox),
            (ProcessedEventRow, self.processed),
        )
        connection = await session.connection()
        for model, rows in batches:
            if rows:
                await connection.execute(insert(model.__table__), rows)  # type: ignore[union-attr]


def _values(row: SQLModel) -> dict[str, Any]:
    table = row.__table__  # type: ignore[attr-defined]
    return {c.name: getattr(row, c.name) for c in table.columns}

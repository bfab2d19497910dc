"""Postgres access for one batch: idempotency check, row locks, history, outbox."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from escalations.contracts.envelope import Envelope
from escalations.db.models import EscalationRow, HistoryRow, OutboxRow, ProcessedEventRow
from escalations_router.state import Change

CONSUMER = "router"


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
    stmt = select(EscalationRow).where(col(EscalationRow.id).in_(wanted)).with_for_update()
    return {row.id: row for row in (await session.exec(stmt)).all()}


def record(
    session: AsyncSession,
    escalation_id: str,
    changes: Iterable[Change],
    event_id: str | None,
    now: datetime,
) -> None:
    """Append history entries."""
    session.add_all(
        HistoryRow(
            escalation_id=escalation_id,
            at=now,
            actor=c.actor,
            action=c.action,
            from_status=c.from_status,
            to_status=c.to_status,
            reason=c.reason,
            event_id=event_id,
        )
        for c in changes
    )


def enqueue(
    session: AsyncSession, topic: str, key: str, event_id: str, body: dict[str, Any], now: datetime
) -> None:
    """Put one outgoing message in the outbox (published by the relay after commit)."""
    session.add(OutboxRow(event_id=event_id, topic=topic, key=key, envelope=body, created_at=now))


def enqueue_event(session: AsyncSession, topic: str, envelope: Envelope, now: datetime) -> None:
    """Put one outgoing event in the outbox."""
    enqueue(session, topic, envelope.subject, envelope.id, envelope.model_dump(mode="json"), now)


def mark_processed(session: AsyncSession, event_id: str, now: datetime) -> None:
    """Record that an input event was applied, in the same transaction as its effects."""
    session.add(ProcessedEventRow(consumer=CONSUMER, event_id=event_id, processed_at=now))

"""The delivery ledger: a row per (event, recipient, channel) written before sending.

A redelivered event finds its rows: ``sent`` ones are skipped, so a restart never sends
twice what was sent. A ``pending`` row means a previous process died mid-send; it is sent
again (receivers dedupe on ``X-Escalation-Event-Id``, pagers on the escalation's dedup key).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from escalations.db.models import DeliveryRow
from escalations_notifier.channels import Message

SENT = "sent"
PENDING = "pending"
DEAD_LETTERED = "dead_lettered"


class Ledger:
    """Reads and writes delivery rows."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def claim(self, message: Message) -> bool:
        """Record the delivery as pending; return False if it was already sent or parked."""
        now = datetime.now(UTC)
        async with self._sessions() as session, session.begin():
            stmt = insert(DeliveryRow).values(
                event_id=message.event_id,
                recipient=message.recipient,
                channel=message.channel,
                escalation_id=message.escalation_id,
                status=PENDING,
                attempts=0,
                created_at=now,
                updated_at=now,
            )
            await session.exec(stmt.on_conflict_do_nothing())
            row = await session.get(
                DeliveryRow, (message.event_id, message.recipient, message.channel)
            )
        return row is not None and row.status == PENDING

    async def finish(self, message: Message, status: str, attempts: int, error: str | None) -> None:
        """Record the final outcome of a delivery."""
        now = datetime.now(UTC)
        async with self._sessions() as session, session.begin():
            stmt = (
                update(DeliveryRow)
                .where(
                    col(DeliveryRow.event_id) == message.event_id,
                    col(DeliveryRow.recipient) == message.recipient,
                    col(DeliveryRow.channel) == message.channel,
                )
                .values(
                    status=status,
                    attempts=attempts,
                    last_error=error,
                    updated_at=now,
                    sent_at=now if status == SENT else None,
                )
            )
            await session.exec(stmt)

    async def parked(self) -> int:
        """Return how many deliveries sit in the dead-letter topic."""
        async with self._sessions() as session:
            stmt = select(func.count()).select_from(DeliveryRow)
            return int((await session.exec(stmt.where(DeliveryRow.status == DEAD_LETTERED))).one())

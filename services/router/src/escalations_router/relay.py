"""The outbox relay: publishes committed outgoing events in order, then marks them sent.

One relay publishes at a time across all router instances (a transaction-scoped advisory
lock), so events of one escalation keep their order. A crash between publishing and
marking republishes a few events; every consumer is idempotent on the event id.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import orjson
from aiokafka import AIOKafkaProducer
from sqlalchemy import func, text, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from escalations.db.models import OutboxRow
from escalations.kafka import CONTENT_TYPE
from escalations_router import metrics

log = logging.getLogger(__name__)

# Any constant works; it only has to be the same for every router instance.
RELAY_LOCK_KEY = 0x6573_6361_6C61_7465


class Relay:
    """Moves outbox rows to Kafka."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        producer: AIOKafkaProducer,
        *,
        batch: int,
        idle_seconds: float,
    ) -> None:
        self._sessions = sessions
        self._producer = producer
        self._batch = batch
        self._idle = idle_seconds
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Ask the relay to look at the outbox now (after a batch committed)."""
        self._wake.set()

    async def publish_once(self) -> int:
        """Publish up to one batch of unsent rows; return how many were published."""
        async with self._sessions() as session, session.begin():
            lock = text("SELECT pg_try_advisory_xact_lock(:key)")
            if not (await session.execute(lock, {"key": RELAY_LOCK_KEY})).scalar():
                return 0
            stmt = (
                select(OutboxRow)
                .where(col(OutboxRow.sent_at).is_(None))
                .order_by(col(OutboxRow.id))
                .limit(self._batch)
            )
            rows = list((await session.exec(stmt)).all())
            if not rows:
                return 0
            futures = [
                await self._producer.send(
                    row.topic,
                    value=orjson.dumps(row.envelope),
                    key=row.key.encode(),
                    headers=[CONTENT_TYPE],
                )
                for row in rows
            ]
            await asyncio.gather(*futures)
            ids = [row.id for row in rows]
            mark = update(OutboxRow).where(col(OutboxRow.id).in_(ids))
            await session.exec(mark.values(sent_at=datetime.now(UTC)))
        return len(rows)

    async def backlog(self) -> int:
        """Return how many outbox rows wait to be published."""
        async with self._sessions() as session:
            stmt = (
                select(func.count()).select_from(OutboxRow).where(col(OutboxRow.sent_at).is_(None))
            )
            return int((await session.exec(stmt)).one())

    async def run(self, stop: asyncio.Event) -> None:
        """Publish until ``stop`` is set, then drain what is left."""
        while not stop.is_set():
            published = await self.publish_once()
            if published:
                continue
            metrics.OUTBOX_BACKLOG.set(await self.backlog())
            self._wake.clear()
            waiter = asyncio.create_task(self._wake.wait())
            stopper = asyncio.create_task(stop.wait())
            await asyncio.wait({waiter, stopper}, timeout=self._idle, return_when="FIRST_COMPLETED")
            waiter.cancel()
            stopper.cancel()
        while await self.publish_once():
            pass

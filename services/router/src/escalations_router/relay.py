"""The outbox relay: publishes committed outgoing events in order, then marks them sent.

One relay leads at a time across all router instances: it holds a session-level advisory
lock on a dedicated connection, which Postgres releases the moment that process dies. A new
leader first reconciles: a crash between publishing a batch and marking it sent leaves rows
that are already in Kafka, so it reads the tail of each partition it publishes to and marks
the rows whose event id it finds there (every record carries an ``event-id`` header). Only
then does it publish, so a crash and restart does not publish an event twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import Any, cast

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError
from sqlalchemy import BigInteger, Text, column, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from escalations.contracts.topics import EVENTS, ROUTER_DEADLETTER
from escalations.db.models import OutboxRow
from escalations.kafka import CONTENT_TYPE
from escalations_router import metrics

log = logging.getLogger(__name__)

# Any constant works; it only has to be the same for every router instance.
RELAY_LOCK_KEY = 0x6573_6361_6C61_7465
EVENT_ID_HEADER = "event-id"
_OUTBOX = OutboxRow.__table__  # type: ignore[attr-defined]
_UNSENT = _OUTBOX.c.sent_at.is_(None)
Row = tuple[int, str, str, str, str]  # id, event id, topic, key, envelope as JSON text

# Marks the rows the relay has just published and reads the next unsent ones in one round
# trip. Both parts see the statement's snapshot, where the rows being marked still look
# unsent: the read leaves them out by id. The envelope comes as Postgres prints it: valid
# JSON, and no decode/encode round trip here.
_MARK_AND_NEXT = text(
    """
WITH marked AS (
  UPDATE outbox SET sent_at = :now WHERE id = ANY(CAST(:sent AS bigint[])) AND sent_at IS NULL
)
SELECT id, event_id, topic, key, CAST(envelope AS text)
FROM outbox
WHERE sent_at IS NULL AND NOT (id = ANY(CAST(:sent AS bigint[])))
ORDER BY id
LIMIT :limit
"""
).columns(
    column("id", BigInteger),
    column("event_id", Text),
    column("topic", Text),
    column("key", Text),
    column("envelope", Text),
)


class Relay:
    """Moves outbox rows to Kafka, once each."""

    def __init__(
        self,
        engine: AsyncEngine,
        producer: AIOKafkaProducer,
        bootstrap: str,
        *,
        batch: int,
        idle_seconds: float,
        settle_seconds: float = 0.5,
    ) -> None:
        self._engine = engine
        self._producer = producer
        self._bootstrap = bootstrap
        self._batch = batch
        self._idle = idle_seconds
        self._settle = settle_seconds
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Ask the relay to look at the outbox now (after a batch committed)."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Lead and publish until ``stop`` is set, then drain what is left."""
        backoff = self._idle
        while not stop.is_set():
            try:
                async with self._engine.connect() as conn:
                    # Autocommit: each statement is its own transaction, so a round of the
                    # relay is one statement (mark the last batch sent, read the next one),
                    # without BEGIN and COMMIT trips.
                    await conn.execution_options(isolation_level="AUTOCOMMIT")
                    if await _try_lead(conn):
                        try:
                            await self._lead(conn, stop)
                        finally:
                            await _resign(conn)
                backoff = self._idle
            except (DBAPIError, OSError, KafkaError) as exc:
                log.error("relay interrupted, retrying in %.1f s: %s", backoff, exc)
                backoff = min(backoff * 2, 5.0)
            await self._pause(stop, backoff)

    async def _lead(self, conn: AsyncConnection, stop: asyncio.Event) -> None:
        log.info("relay leads: reconciling the outbox with the topics")
        await self.reconcile(conn)
        reported = 0.0
        sent: list[int] = []
        while not stop.is_set():
            # Clear before looking: a wake that comes while this round reads the outbox is
            # then still set when the relay waits, instead of being lost for an idle period.
            self._wake.clear()
            sent = await self._publish(await self._next(conn, sent))
            if sent:
                continue
            if time.monotonic() - reported > 1.0:
                metrics.OUTBOX_BACKLOG.set(await backlog(conn))
                reported = time.monotonic()
            await self._pause(stop, self._idle, clear=False)
        while rows := await self._next(conn, sent):
            sent = await self._publish(rows)

    async def publish_once(self, conn: AsyncConnection) -> int:
        """Publish up to one batch of unsent rows in id order and mark them; return how many."""
        sent = await self._publish(await self._next(conn, []))
        if sent:
            await self._next(conn, sent, limit=0)
        return len(sent)

    async def _next(
        self, conn: AsyncConnection, sent: list[int], *, limit: int | None = None
    ) -> list[Row]:
        """Mark the rows just published as sent and read the next unsent ones: one trip."""
        params = {"sent": sent, "now": datetime.now(UTC), "limit": self._batch}
        if limit is not None:
            params["limit"] = limit
        rows = (await conn.execute(_MARK_AND_NEXT, params)).all()
        await conn.commit()
        return cast(list[Row], rows)

    async def _publish(self, rows: list[Row]) -> list[int]:
        """Send rows in order and wait for every acknowledgement; return their ids."""
        if not rows:
            return []
        futures = [
            await self._producer.send(
                topic,
                value=envelope.encode(),
                key=key.encode(),
                headers=[CONTENT_TYPE, (EVENT_ID_HEADER, event_id.encode())],
            )
            for _, event_id, topic, key, envelope in rows
        ]
        # Wait for every send, even after a failure, so no send is still in flight when
        # this relay gives up the lead and a new leader reconciles.
        results = await asyncio.gather(*futures, return_exceptions=True)
        failed = next((r for r in results if isinstance(r, BaseException)), None)
        if failed is not None:
            raise failed
        return [row[0] for row in rows]

    async def reconcile(self, conn: AsyncConnection) -> int:
        """Mark unsent rows that a previous leader published before it died; return how many."""
        if not await backlog(conn):
            return 0
        # Let a dead leader's last produce requests land before reading the log end.
        await asyncio.sleep(self._settle)
        topics = (EVENTS, ROUTER_DEADLETTER)
        parts = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(await self._producer.partitions_for(topic))
        ]
        found = await published_tail(self._bootstrap, parts, self._batch)
        if not found:
            return 0
        stmt = (
            update(_OUTBOX)
            .where(_UNSENT, _OUTBOX.c.event_id.in_(sorted(found)))
            .values(sent_at=datetime.now(UTC))
        )
        marked = (await conn.execute(stmt)).rowcount
        await conn.commit()
        if marked:
            log.warning("relay found %d events already published by a previous leader", marked)
        return int(marked)

    async def _pause(self, stop: asyncio.Event, seconds: float, *, clear: bool = True) -> None:
        if clear:
            self._wake.clear()
        waiter = asyncio.create_task(self._wake.wait())
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({waiter, stopper}, timeout=seconds, return_when="FIRST_COMPLETED")
        waiter.cancel()
        stopper.cancel()


async def backlog(conn: AsyncConnection) -> int:
    """Return how many outbox rows wait to be published."""
    stmt = select(func.count()).select_from(_OUTBOX).where(_UNSENT)
    value = (await conn.execute(stmt)).scalar_one()
    await conn.commit()
    return int(value)


async def _try_lead(conn: AsyncConnection) -> bool:
    got = await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": RELAY_LOCK_KEY})
    value = bool(got.scalar())
    await conn.commit()
    return value


async def _resign(conn: AsyncConnection) -> None:
    try:
        await conn.rollback()
        await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": RELAY_LOCK_KEY})
        await conn.commit()
    except (DBAPIError, OSError) as exc:
        # Close the connection rather than return it to the pool still holding the lock.
        log.warning("relay could not release its lock cleanly, dropping the connection: %s", exc)
        await conn.invalidate()


async def published_tail(bootstrap: str, parts: list[TopicPartition], depth: int) -> set[str]:
    """Return the event ids in the last ``depth`` records of each of these partitions."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, client_id="router-relay-reconcile", enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign(parts)
        ends: dict[TopicPartition, int] = await consumer.end_offsets(parts)
        starts: dict[TopicPartition, int] = await consumer.beginning_offsets(parts)
        todo = {}
        for tp in parts:
            start = max(starts[tp], ends[tp] - depth)
            if ends[tp] > start:
                consumer.seek(tp, start)
                todo[tp] = ends[tp]
            else:
                consumer.pause(tp)
        return await _read_ids(consumer, todo)
    finally:
        await consumer.stop()


async def _read_ids(consumer: AIOKafkaConsumer, todo: dict[TopicPartition, int]) -> set[str]:
    found: set[str] = set()
    async with asyncio.timeout(30):
        while todo:
            batch: dict[TopicPartition, list[Any]] = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for record in records:
                    found.update(
                        value.decode() for name, value in record.headers if name == EVENT_ID_HEADER
                    )
            # By position, not by the last offset seen: control records take offsets too.
            for tp, end in list(todo.items()):
                if await consumer.position(tp) >= end:
                    del todo[tp]
    return found

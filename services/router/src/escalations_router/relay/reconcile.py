"""The relay's reconciliation: a new leader marks the rows a dead one had published.

Every record the relay publishes carries its event id in the ``event-id`` header, so a new
leader reads back the tail of each partition it publishes to and marks the unsent-looking
outbox rows whose event id it finds there (docs/router.md, "Relay reconciliation").
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from escalations.contracts.topics import EVENTS, ROUTER_DEADLETTER
from escalations_router.postgres.db import Connection

log = logging.getLogger(__name__)
EVENT_ID_HEADER = "event-id"
# Reads keep at most ``Relay.MAX_FLIGHTS`` rounds in flight, handed-over rows add what the
# batches commit meanwhile, and marks trail by up to a round or an idle period: the tail a
# new leader reads back is twice that.
TAIL_ROUNDS = 8
_BACKLOG = "SELECT count(*) FROM outbox WHERE sent_at IS NULL"
_MARK_FOUND = "UPDATE outbox SET sent_at = $1 WHERE sent_at IS NULL AND event_id = ANY($2::text[])"


async def backlog(conn: Connection) -> int:
    """Return how many outbox rows wait to be published."""
    return int(await conn.fetchval(_BACKLOG))


async def mark_published(
    conn: Connection, producer: AIOKafkaProducer, bootstrap: str, batch: int
) -> int:
    """Mark unsent rows whose events are already in the topics' tails; return how many."""
    parts = [
        TopicPartition(topic, p)
        for topic in (EVENTS, ROUTER_DEADLETTER)
        for p in sorted(await producer.partitions_for(topic))
    ]
    # A dead leader leaves at most one round in flight unmarked, plus the marks a Postgres
    # crash took with it (they commit without waiting for the disk): look well past both.
    found = await published_tail(bootstrap, parts, TAIL_ROUNDS * batch)
    if not found:
        return 0
    status = await conn.execute(_MARK_FOUND, datetime.now(UTC), sorted(found))
    marked = int(status.split()[-1])
    if marked:
        log.warning("relay found %d events already published by a previous leader", marked)
    return marked


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

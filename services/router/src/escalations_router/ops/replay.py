"""Kafka and Postgres for the dead-letter command (``cli``): read, record, republish.

The dead-letter topic is read from the start (or from an instant) to its end. A replay is
recorded in ``router_deadletter_replays`` in a transaction held open while the broker
acknowledges the republished event, so a second replay of the same dead letter finds the
record and sends nothing; the event carries an id derived from the dead letter
(``letters.replay_event_id``), so a replay published twice anyway is applied once
(docs/operations.md, "Dead-letter replay").
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from escalations.contracts.topics import ROUTER_DEADLETTER
from escalations.kafka import CONTENT_TYPE
from escalations_router.ops.letters import (
    DeadLetter,
    DeadLetterError,
    parse,
    replay_event_id,
    replay_value,
)
from escalations_router.relay.reconcile import EVENT_ID_HEADER

READ_TIMEOUT_S = 30.0
_RECORD = """
INSERT INTO router_deadletter_replays
    (partition, "offset", dead_letter_id, replay_event_id, escalation_id, replayed_at)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING replayed_at
"""
_PUBLISHED = (
    "UPDATE router_deadletter_replays SET replayed_to_partition = $3, replayed_to_offset = $4 "
    'WHERE partition = $1 AND "offset" = $2'
)
_WHEN = 'SELECT replayed_at FROM router_deadletter_replays WHERE partition = $1 AND "offset" = $2'
_REPLAYED = (
    'SELECT partition, "offset", replayed_at, replay_event_id FROM router_deadletter_replays'
)


async def read_letters(
    bootstrap: str, since: datetime | None
) -> tuple[list[DeadLetter], list[str]]:
    """Return the dead letters on the topic (from ``since``) and the records that are not."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        await consumer.start()
        parts = [
            TopicPartition(ROUTER_DEADLETTER, p)
            for p in sorted(consumer.partitions_for_topic(ROUTER_DEADLETTER) or {0})
        ]
        consumer.assign(parts)
        ends = await consumer.end_offsets(parts)
        starts = await consumer.beginning_offsets(parts)
        if since is not None:
            found = await consumer.offsets_for_times(
                {tp: int(since.timestamp() * 1000) for tp in parts}
            )
            starts = {tp: (hit.offset if hit else ends[tp]) for tp, hit in found.items()}
        for tp, start in starts.items():
            consumer.seek(tp, start)
        return await _read_to_end(consumer, {tp: e for tp, e in ends.items() if e > starts[tp]})
    finally:
        await consumer.stop()


async def _read_to_end(
    consumer: AIOKafkaConsumer, todo: dict[TopicPartition, int]
) -> tuple[list[DeadLetter], list[str]]:
    letters: list[DeadLetter] = []
    problems: list[str] = []
    async with asyncio.timeout(READ_TIMEOUT_S):
        while todo:
            batch = await consumer.getmany(timeout_ms=500, max_records=1000)
            for tp, records in batch.items():
                for r in records:
                    try:
                        letters.append(parse(tp.partition, r.offset, r.timestamp, r.value))
                    except DeadLetterError as error:
                        problems.append(str(error))
            for tp, end in list(todo.items()):
                if await consumer.position(tp) >= end:
                    del todo[tp]
    return sorted(letters, key=lambda d: (d.partition, d.offset)), problems


async def replayed(connection: asyncpg.Connection) -> dict[tuple[int, int], asyncpg.Record]:
    """Return the recorded replays by (partition, offset) of their dead letter."""
    return {(r["partition"], r["offset"]): r for r in await connection.fetch(_REPLAYED)}


async def replay_one(
    connection: asyncpg.Connection, producer: AIOKafkaProducer, letter: DeadLetter
) -> datetime | None:
    """Publish one dead letter again, once; return when it was replayed before, else None.

    Raises ``NotReplayable`` (nothing recorded, nothing sent) or the broker's error (the
    record is rolled back; running it again publishes the same event id).
    """
    value = replay_value(letter)
    assert letter.key is not None  # replay_value refuses a letter without one
    async with connection.transaction():
        row = await connection.fetchrow(
            _RECORD, letter.partition, letter.offset, letter.id, replay_event_id(letter),
            letter.key, datetime.now(UTC),
        )  # fmt: skip
        if row is None:
            stamp = await connection.fetchval(_WHEN, letter.partition, letter.offset)
            return stamp if isinstance(stamp, datetime) else datetime.now(UTC)
        headers = [CONTENT_TYPE, (EVENT_ID_HEADER, replay_event_id(letter).encode())]
        sent = await producer.send_and_wait(
            letter.topic, value=value, key=letter.key.encode(), headers=headers
        )
        await connection.execute(
            _PUBLISHED, letter.partition, letter.offset, sent.partition, sent.offset
        )
    return None

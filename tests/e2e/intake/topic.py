"""Read the whole intake topic back (no consumer group: assign, seek to start, read to end)."""

from __future__ import annotations

from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from escalations.contracts.topics import INTAKE, TOPICS


async def read_topic(bootstrap: str, topic: str = INTAKE) -> list[dict[str, Any]]:
    """Return every envelope on ``topic``, in partition then offset order."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        count = next(spec.partitions for spec in TOPICS if spec.name == topic)
        partitions = [TopicPartition(topic, p) for p in range(count)]
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        for tp in partitions:
            consumer.seek(tp, 0)
        envelopes: list[dict[str, Any]] = []
        for tp in partitions:
            while await consumer.position(tp) < ends[tp]:
                batch = await consumer.getmany(tp, timeout_ms=1000)
                for record in batch.get(tp, []):
                    envelopes.append(orjson.loads(record.value))
        return envelopes
    finally:
        await consumer.stop()

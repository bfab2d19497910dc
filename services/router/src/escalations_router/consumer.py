"""The router's consumer loop: one Postgres transaction per fetched batch, then offsets.

Offsets are committed only after the batch's transaction (``batch.py``); a crash in between
replays events that the processed-event records turn into no-ops. The commit runs while the
next batch is fetched and applied, one commit at a time. A rebalance waits for the batch in
flight: ``on_partitions_revoked`` takes the same lock as the loop and waits for the offset
commit, so the batch finishes and its offsets are committed before the partitions move.
Nothing is half-done.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import CommitFailedError, KafkaError

from escalations.kafka import KafkaRecord
from escalations_router import db, metrics
from escalations_router.batch import BatchProcessor

log = logging.getLogger(__name__)
Record = KafkaRecord


class Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    """Lets a rebalance take partitions only between batches."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.assigned: set[int] = set()
        self.committing: asyncio.Task[None] | None = None

    async def settle(self) -> None:
        """Wait until the offset commit in flight, if any, is done."""
        if self.committing is not None:
            await self.committing
            self.committing = None

    async def on_partitions_revoked(self, revoked: Any) -> None:
        """Wait for the batch in flight to commit its transaction and offsets."""
        async with self.lock:
            await self.settle()
            parts = sorted(tp.partition for tp in revoked)
            self.assigned -= set(parts)
            for partition in parts:
                metrics.CONSUMER_LAG.labels(str(partition)).set(0)
            log.info("partitions revoked: %s", parts)

    async def on_partitions_assigned(self, assigned: Any) -> None:
        """Log the partitions this instance now owns."""
        parts = sorted(tp.partition for tp in assigned)
        self.assigned |= set(parts)
        log.info("partitions assigned: %s", parts)


async def consume(
    consumer: AIOKafkaConsumer,
    processor: BatchProcessor,
    stop: asyncio.Event,
    *,
    max_batch: int,
    on_committed: Callable[[], None],
    rebalance: Rebalance | None = None,
) -> None:
    """Fetch, apply and commit until ``stop`` is set; the batch in flight always finishes."""
    rebalance = rebalance or Rebalance()
    try:
        while not stop.is_set():
            batch: dict[TopicPartition, list[Record]] = await consumer.getmany(
                timeout_ms=200, max_records=max_batch
            )
            if not batch:
                continue
            async with rebalance.lock:
                records = [r for partition in batch.values() for r in partition]
                await _process_with_retry(processor, records, stop)
                # The outbox rows are committed: the relay may publish them while the
                # offsets go, and the offsets go while the next batch is fetched and applied.
                on_committed()
                # One commit at a time, in order: Kafka keeps whichever lands last.
                await rebalance.settle()
                offsets = {tp: rs[-1].offset + 1 for tp, rs in batch.items()}
                rebalance.committing = asyncio.create_task(_commit(consumer, offsets))
            _update_lag(consumer, batch)
    finally:
        await rebalance.settle()


async def _commit(consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
    try:
        await consumer.commit(offsets)
    except (CommitFailedError, KafkaError) as exc:
        # The partitions moved anyway (e.g. a session timeout); the new owner replays
        # these records and the processed-event records make that a no-op.
        log.warning("offset commit failed: %s", exc)


async def _process_with_retry(
    processor: BatchProcessor, records: list[Record], stop: asyncio.Event
) -> None:
    """Apply a batch, retrying while Postgres is unreachable; nothing commits until it works."""
    delay = 0.1
    while True:
        try:
            await processor.process(records)
            return
        except db.ERRORS as exc:
            if stop.is_set():
                raise
            log.error("database error, retrying the batch in %.1f s: %s", delay, exc)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


def _update_lag(consumer: AIOKafkaConsumer, batch: dict[TopicPartition, list[Record]]) -> None:
    for tp, records in batch.items():
        highwater = consumer.highwater(tp)
        if highwater is not None:
            metrics.CONSUMER_LAG.labels(str(tp.partition)).set(highwater - records[-1].offset - 1)

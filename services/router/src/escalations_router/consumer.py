"""The router's consumer loop: one Postgres transaction per fetched batch, then offsets.

Offsets are committed only after the batch's transaction (``batch``); a crash in between
replays events that the processed-event records turn into no-ops. Batches overlap: while one
writes and commits, the next is fetched and applied (``Batches.stage``); commits stay
in fetch order. Offsets follow their batch's commit, gathered: one offset commit at a time,
at most one per ``COMMIT_INTERVAL_SECONDS`` (at 1,000 escalations/s a batch commits every
10 ms, and an offset commit per batch was a fifth of the broker's requests). A database
error in either batch rolls back what is not committed and applies both again, one after
the other. A rebalance waits for the batches in flight: ``on_partitions_revoked`` takes the
same lock as the loop and waits for the last commit and commits its offsets at once, so the
partitions move with nothing half-done. A crash replays at most the records of the last
interval, and the processed-event records make that a no-op.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import CommitFailedError, KafkaError

from escalations.kafka import KafkaRecord
from escalations.outages import KAFKA, POSTGRES, Backoff, Outages, pause
from escalations_router import metrics
from escalations_router.batch import Batches, Staged
from escalations_router.postgres import db

log = logging.getLogger(__name__)
Record = KafkaRecord
Offsets = dict[TopicPartition, int]

COMMIT_INTERVAL_SECONDS = 0.25


class Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    """Lets a rebalance take partitions only between batches."""

    def __init__(self, commit_interval: float = COMMIT_INTERVAL_SECONDS) -> None:
        self.lock = asyncio.Lock()
        self.assigned: set[int] = set()
        # The batch still committing.
        self.pending: Staged | None = None
        # Offsets of committed batches not yet committed to Kafka, and the task committing
        # them (one at a time, so the last offsets of a partition are the ones that stay).
        self.due: Offsets = {}
        self.committing: asyncio.Task[None] | None = None
        self._interval = commit_interval
        self._now = asyncio.Event()

    async def settle(self) -> None:
        """Wait until the batch in flight has committed, and commit every offset due."""
        if self.pending is not None:
            pending, self.pending = self.pending, None
            if not await pending.succeeded():
                # Its offsets stay uncommitted: whoever owns the partitions next replays it.
                log.warning("the last batch failed to commit; its records will be replayed")
        if self.committing is not None:
            self._now.set()
            try:
                await self.committing
            finally:
                self._now.clear()
                self.committing = None

    def offsets_after(
        self, consumer: AIOKafkaConsumer, offsets: Offsets, on_committed: Callable[[], None]
    ) -> Callable[[], None]:
        """Return what runs once a batch has committed: ``on_committed``, queue its offsets."""

        def committed() -> None:
            on_committed()
            self.due.update(offsets)
            if self.committing is None or self.committing.done():
                self.committing = asyncio.create_task(self._commit_due(consumer))

        return committed

    async def _commit_due(self, consumer: AIOKafkaConsumer) -> None:
        """Commit the offsets due, once per interval (at once when ``settle`` asks)."""
        while self.due:
            if not self._now.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._now.wait(), self._interval)
            offsets, self.due = self.due, {}
            await _commit(consumer, offsets)

    async def on_partitions_revoked(self, revoked: Any) -> None:
        """Wait for the batches in flight to commit their transactions and offsets."""
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
    processor: Batches,
    stop: asyncio.Event,
    *,
    max_batch: int,
    on_committed: Callable[[], None] = lambda: None,
    rebalance: Rebalance | None = None,
    outages: Outages | None = None,
) -> None:
    """Fetch, apply and commit until ``stop`` is set; the batches in flight always finish.

    Database and broker errors are retried with backoff and reported in ``outages``.
    """
    rebalance = rebalance or Rebalance()
    outages = outages or Outages()
    backoff = Backoff()
    try:
        while not stop.is_set():
            try:
                batch: dict[TopicPartition, list[Record]] = await consumer.getmany(
                    timeout_ms=200, max_records=max_batch
                )
            except KafkaError as exc:
                outages.failed(KAFKA, "consume", exc)
                await pause(backoff.next(), stop)
                continue
            outages.recovered(KAFKA, "consume")
            backoff.reset()
            if not batch:
                continue
            records = [r for partition in batch.values() for r in partition]
            offsets = {tp: rs[-1].offset + 1 for tp, rs in batch.items()}
            after = rebalance.offsets_after(consumer, offsets, on_committed)
            async with rebalance.lock:
                rebalance.pending = await _stage(
                    processor, records, rebalance.pending, after, stop, outages
                )
            _update_lag(consumer, batch)
    finally:
        await rebalance.settle()


async def _stage(
    processor: Batches,
    records: list[Record],
    pending: Staged | None,
    after: Callable[[], None],
    stop: asyncio.Event,
    outages: Outages | None = None,
) -> Staged:
    """Apply a batch over the one still committing; on a database error, redo both in order."""
    outages = outages or Outages()
    try:
        staged = await processor.stage(records, pending, after=after)
    except db.ERRORS as exc:
        outages.failed(POSTGRES, "consume", exc)
    else:
        outages.recovered(POSTGRES, "consume")
        return staged
    if pending is not None and not await pending.succeeded():
        await _process_with_retry(processor, pending.records, pending.after, stop, outages)
    return await _process_with_retry(processor, records, after, stop, outages)


async def _commit(consumer: AIOKafkaConsumer, offsets: Offsets) -> None:
    try:
        await consumer.commit(offsets)
    except (CommitFailedError, KafkaError) as exc:
        # The partitions moved anyway (e.g. a session timeout); the new owner replays
        # these records and the processed-event records make that a no-op.
        log.warning("offset commit failed: %s", exc)


async def _process_with_retry(
    processor: Batches,
    records: Sequence[Record],
    after: Callable[[], None] | None,
    stop: asyncio.Event,
    outages: Outages | None = None,
) -> Staged:
    """Apply and commit a batch alone, retrying while Postgres is unreachable."""
    outages = outages or Outages()
    backoff = Backoff()
    while True:
        try:
            staged = await processor.stage(records, after=after)
            await staged.committed()
        except db.ERRORS as exc:
            # One log line per outage (escalations.outages), not one per retry.
            outages.failed(POSTGRES, "consume", exc)
            if stop.is_set():
                raise
            await asyncio.sleep(backoff.next())
            continue
        outages.recovered(POSTGRES, "consume")
        return staged


def _update_lag(consumer: AIOKafkaConsumer, batch: dict[TopicPartition, list[Record]]) -> None:
    for tp, records in batch.items():
        highwater = consumer.highwater(tp)
        if highwater is not None:
            metrics.CONSUMER_LAG.labels(str(tp.partition)).set(highwater - records[-1].offset - 1)

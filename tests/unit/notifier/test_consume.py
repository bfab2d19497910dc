"""The consumer loop: claims in order, sends overlapping the next claim, commits what it claimed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest
from aiokafka import TopicPartition

from escalations_notifier.consumer import consume

TP = TopicPartition("escalations.events.v1", 0)


@dataclass(frozen=True)
class Record:
    """A consumed record: only the offset matters here."""

    offset: int
    topic: str = TP.topic
    partition: int = 0
    key: bytes | None = None
    value: bytes | None = None


class FakeConsumer:
    """Hands out scripted batches, then sets ``stop``; records commits."""

    def __init__(self, batches: list[list[int]], stop: asyncio.Event) -> None:
        self.batches = [[Record(o) for o in offsets] for offsets in batches]
        self.stop = stop
        self.commits: list[dict[TopicPartition, int]] = []

    async def getmany(self, timeout_ms: int, max_records: int) -> dict[TopicPartition, Any]:
        await asyncio.sleep(0)
        if not self.batches:
            self.stop.set()
            return {}
        return {TP: self.batches.pop(0)}

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.commits.append(dict(offsets))

    def highwater(self, tp: TopicPartition) -> int | None:
        return None


class FakeNotifier:
    """Logs claims and deliveries; a delivery waits until the test releases it."""

    def __init__(self, fail: bool = False) -> None:
        self.log: list[str] = []
        self.release = asyncio.Event()
        self.fail = fail

    async def claim(self, records: list[Record]) -> int:
        self.log.append(f"claim {records[0].offset}")
        return records[0].offset

    async def deliver(self, first: int) -> None:
        await self.release.wait()
        if self.fail:
            raise RuntimeError("ledger gone")
        self.log.append(f"sent {first}")


async def test_sending_overlaps_the_next_claim_and_every_batch_finishes() -> None:
    """Batch 2 is claimed while batch 1 is being sent; stop waits for both; all offsets commit."""
    stop = asyncio.Event()
    consumer, notifier = FakeConsumer([[0, 1], [2, 3]], stop), FakeNotifier()
    loop = asyncio.create_task(consume(consumer, notifier, stop))  # type: ignore[arg-type]
    await asyncio.sleep(0.05)
    claimed_while_sending = list(notifier.log)
    notifier.release.set()
    await loop
    assert (["claim 0", "claim 2"], {"sent 0", "sent 2"}, {TP: 4}) == (
        claimed_while_sending,
        set(notifier.log[2:]),
        consumer.commits[-1],
    )


async def test_no_more_than_overlap_batches_are_sent_at_once() -> None:
    """With two batches sending, the third is not claimed until one of them is done."""
    stop = asyncio.Event()
    consumer, notifier = FakeConsumer([[0], [1], [2]], stop), FakeNotifier()
    loop = asyncio.create_task(consume(consumer, notifier, stop, overlap=2))  # type: ignore[arg-type]
    await asyncio.sleep(0.05)
    before = list(notifier.log)
    notifier.release.set()
    await loop
    log = notifier.log
    first_sent = min(log.index("sent 0"), log.index("sent 1"))
    assert (["claim 0", "claim 1"], True) == (before, log.index("claim 2") > first_sent)


async def test_a_failed_batch_stops_the_loop_with_its_error() -> None:
    """A delivery that raises (say, the ledger is gone) ends the consumer with that error."""
    stop = asyncio.Event()
    consumer, notifier = FakeConsumer([[0], [1], [2]], stop), FakeNotifier(fail=True)
    notifier.release.set()
    with pytest.raises(RuntimeError, match="ledger gone"):
        await consume(consumer, notifier, stop)  # type: ignore[arg-type]

"""The router's consume loop: a failed overlap is applied again, in order, once each."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from escalations_router.batch import Staged, Touched
from escalations_router.consumer import Rebalance, _stage

NOTHING = Touched(frozenset(), frozenset(), False)


def _records(*names: str) -> list[Any]:
    """Stand-ins for Kafka records: the loop only hands them over."""
    return list(names)


def _task(error: BaseException | None) -> asyncio.Task[None]:
    async def run() -> None:
        if error is not None:
            raise error

    return asyncio.create_task(run())


class Processor:
    """Fails the overlapped stage once, then applies every batch alone."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], bool]] = []

    async def stage(
        self,
        records: Sequence[Any],
        previous: Staged | None = None,
        *,
        after: Callable[[], None] | None = None,
    ) -> Staged:
        self.calls.append((list(records), previous is not None))
        if previous is not None:
            await previous.committed()  # the batch in flight failed: so does this one
        if after is not None:
            after()
        return Staged(records, NOTHING, {}, after, _task(None))


async def test_a_failed_commit_in_flight_applies_both_batches_again_in_order() -> None:
    """The batch in flight failed: it is applied again first, then the new one; each once."""
    done: list[str] = []
    pending = Staged(
        _records("a1", "a2"), NOTHING, {}, lambda: done.append("a"), _task(OSError("gone"))
    )
    processor = Processor()
    staged = await _stage(
        processor,  # type: ignore[arg-type]
        _records("b1"),
        pending,
        lambda: done.append("b"),
        asyncio.Event(),
    )
    assert [(["b1"], True), (["a1", "a2"], False), (["b1"], False)] == processor.calls
    assert ["a", "b"] == done
    assert _records("b1") == list(staged.records)


async def test_a_failed_batch_over_a_committed_one_is_applied_again_alone() -> None:
    """The batch in flight committed: only the new one is applied again."""
    done: list[str] = []
    pending = Staged(_records("a1"), NOTHING, {}, lambda: done.append("a"), _task(None))
    await asyncio.sleep(0)

    class FailsOnce(Processor):
        async def stage(self, records: Sequence[Any], previous: Staged | None = None, *,
                        after: Callable[[], None] | None = None) -> Staged:  # fmt: skip
            if not self.calls:
                self.calls.append((list(records), previous is not None))
                raise OSError("connection reset")
            return await super().stage(records, previous, after=after)

    processor = FailsOnce()
    await _stage(
        processor,  # type: ignore[arg-type]
        _records("b1"),
        pending,
        lambda: done.append("b"),
        asyncio.Event(),
    )
    assert [(["b1"], True), (["b1"], False)] == processor.calls
    assert ["b"] == done


class Consumer:
    """Records offset commits; a test may hold one in flight."""

    def __init__(self) -> None:
        self.commits: list[dict[Any, int]] = []
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        self.release.set()
        self.landed = asyncio.Event()

    async def commit(self, offsets: dict[Any, int]) -> None:
        self.entered.set()
        await self.release.wait()
        self.commits.append(dict(offsets))
        self.landed.set()


async def _commits(consumer: Consumer, count: int) -> list[dict[Any, int]]:
    async with asyncio.timeout(5):
        while len(consumer.commits) < count:
            await consumer.landed.wait()
            consumer.landed.clear()
    return consumer.commits


async def test_offsets_of_several_batches_go_in_one_commit_per_interval() -> None:
    """Batches commit every few ms; their offsets reach Kafka together, the latest winning."""
    rebalance = Rebalance(commit_interval=0.2)
    consumer = Consumer()
    for offset in (10, 20, 30):
        rebalance.offsets_after(consumer, {"p0": offset, f"p{offset}": 1}, lambda: None)()
        await asyncio.sleep(0)
    assert [] == consumer.commits  # the interval has not passed
    assert [{"p0": 30, "p10": 1, "p20": 1, "p30": 1}] == await _commits(consumer, 1)
    await asyncio.sleep(0.3)
    assert 1 == len(consumer.commits)


async def test_offsets_due_while_a_commit_is_in_flight_follow_it() -> None:
    """Nothing is stranded: offsets queued during a commit go in the next one."""
    rebalance = Rebalance(commit_interval=0.01)
    consumer = Consumer()
    consumer.release.clear()
    rebalance.offsets_after(consumer, {"p0": 1}, lambda: None)()
    await consumer.entered.wait()  # the first commit is now in flight
    rebalance.offsets_after(consumer, {"p0": 2}, lambda: None)()
    consumer.release.set()
    assert [{"p0": 1}, {"p0": 2}] == await _commits(consumer, 2)


async def test_settle_commits_the_offsets_due_at_once() -> None:
    """A rebalance or a stop does not wait for the interval: the partitions move committed."""
    rebalance = Rebalance(commit_interval=60)
    consumer = Consumer()
    woken: list[str] = []
    rebalance.offsets_after(consumer, {"p0": 7}, lambda: woken.append("relay"))()
    async with asyncio.timeout(5):
        await rebalance.settle()
    assert ["relay"] == woken
    assert [{"p0": 7}] == consumer.commits
    assert rebalance.committing is None
    assert not rebalance.due

"""The router's consume loop: a failed overlap is applied again, in order, once each."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from escalations_router.batch import Staged, Touched
from escalations_router.consumer import _stage

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

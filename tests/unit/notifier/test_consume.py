"""The consume loop: overlapping claims of unrelated batches, sends beside claims, offsets."""

from __future__ import annotations

import asyncio

import pytest

from escalations.contracts.codec import build_event
from escalations.contracts.envelope import encode
from escalations.contracts.events import EscalationAssigned
from escalations_notifier.batch import Notifier
from escalations_notifier.consumer import consume
from tests.fakes.notifier import TP, Claimed, FakeConsumer, FakeNotifier, Record

from .fixtures import ESCALATION_ID, NOW, event, planner, summary


async def settle() -> None:
    """Let the loop run until it waits on something the test controls."""
    await asyncio.sleep(0.05)


def start(
    batches: list[list[tuple[int, str]]], notifier: FakeNotifier, **options: int
) -> tuple[FakeConsumer, asyncio.Event, asyncio.Task[None]]:
    """Run consume over scripted batches; return the consumer, its stop event and the task."""
    stop = asyncio.Event()
    consumer = FakeConsumer(batches, stop)
    task = asyncio.create_task(consume(consumer, notifier, stop, **options))  # type: ignore[arg-type]
    return consumer, stop, task


async def test_batches_of_other_escalations_are_claimed_side_by_side() -> None:
    """While batch 0's claim is under way, batch 1 (another escalation) is claimed too."""
    notifier = FakeNotifier()
    _, stop, task = start([[(0, "x1")], [(1, "x2")]], notifier)
    await settle()
    during = list(notifier.log)
    notifier.open(0, 1)
    stop.set()
    await task
    assert ["claim 0", "claim 1"] == during


async def test_a_batch_of_the_same_escalation_waits_for_the_claim_before_it() -> None:
    """Batch 1 shares x1 with batch 0: its claim starts only once batch 0 is claimed."""
    notifier = FakeNotifier()
    _, stop, task = start([[(0, "x1")], [(1, "x2"), (2, "x1")]], notifier)
    await settle()
    during = list(notifier.log)
    notifier.open(0, sends=False)
    await settle()
    after = list(notifier.log)
    notifier.open(0, 1)
    stop.set()
    await task
    assert (["claim 0"], ["claim 0", "claimed 0", "claim 1"]) == (during, after)


async def test_no_more_claims_at_once_than_allowed() -> None:
    """With two claim slots, the third unrelated batch waits for one of the first two."""
    notifier = FakeNotifier()
    _, stop, task = start([[(0, "a")], [(1, "b")], [(2, "c")]], notifier, claims=2)
    await settle()
    during = list(notifier.log)
    notifier.open(1)
    await settle()
    after = list(notifier.log)
    notifier.open(0, 2)
    stop.set()
    await task
    assert (["claim 0", "claim 1"], "claim 2") == (during, after[-1])


async def test_sending_overlaps_the_next_claim() -> None:
    """Batch 0 is still being sent when batch 1 of the same escalation is claimed."""
    notifier = FakeNotifier()
    _, stop, task = start([[(0, "x1")], [(1, "x1")]], notifier)
    notifier.open(0, 1, sends=False)
    await settle()
    during = list(notifier.log)
    notifier.open(0, 1)
    stop.set()
    await task
    assert ["claim 0", "claimed 0", "claim 1", "claimed 1"] == during


async def test_no_batch_is_claimed_while_the_sending_budget_is_used_up() -> None:
    """With two messages being sent and a budget of two, the next batch waits for a send."""
    notifier = FakeNotifier()
    batches = [[(0, "a"), (1, "b")], [(2, "c")]]
    _, stop, task = start(batches, notifier, budget=2)
    notifier.open(0, sends=False)
    notifier.open(2)
    await settle()
    during = list(notifier.log)
    notifier.open(0)
    stop.set()
    await task
    assert (["claim 0", "claimed 0"], ["sent 0", "claim 2"]) == (during, notifier.log[2:4])


async def test_offsets_commit_only_past_batches_claimed_in_order() -> None:
    """Batch 1 claimed before batch 0: nothing is committed until batch 0 is claimed too."""
    notifier = FakeNotifier()
    consumer, stop, task = start([[(0, "a"), (1, "a")], [(2, "b")]], notifier)
    notifier.open(2)
    await asyncio.sleep(0.3)  # more than the commit interval
    early = list(consumer.commits)
    notifier.open(0)
    stop.set()
    await task
    assert ([], {TP: 3}) == (early, consumer.commits[-1])


async def test_a_failed_claim_stops_the_loop_and_frees_the_batch_waiting_on_it() -> None:
    """Batch 0's claim fails while batch 1 (same escalation) waits: the loop ends with it."""
    notifier = FakeNotifier(fail_claim=0)
    consumer, _, task = start([[(0, "x1")], [(1, "x1")]], notifier)
    await settle()
    notifier.open(0, 1)
    with pytest.raises(RuntimeError, match="ledger gone"):
        await asyncio.wait_for(task, 5)
    assert ([], ["claim 0"]) == (consumer.commits, notifier.log)


async def test_a_failed_delivery_stops_the_loop_after_the_others_finish() -> None:
    """A delivery that raises ends the loop with that error, once batches under way are done."""
    notifier = FakeNotifier()
    send = notifier.deliver

    async def broken(claimed: Claimed) -> None:
        if claimed.first == 1:
            raise RuntimeError("ledger gone")
        await send(claimed)

    notifier.deliver = broken  # type: ignore[method-assign]
    _, _, task = start([[(0, "a")], [(1, "b")]], notifier)
    notifier.open(0, 1, sends=False)
    await settle()
    running = task.done()
    notifier.open(0)
    with pytest.raises(RuntimeError, match="ledger gone"):
        await asyncio.wait_for(task, 5)
    assert (False, "sent 0") == (running, notifier.log[-1])


async def test_stopping_waits_for_every_batch_even_after_one_failed() -> None:
    """At stop, a failing batch does not cut short the one still being sent beside it."""
    notifier = FakeNotifier()
    send = notifier.deliver

    async def broken(claimed: Claimed) -> None:
        await send(claimed)
        if claimed.first == 0:
            raise RuntimeError("ledger gone")

    notifier.deliver = broken  # type: ignore[method-assign]
    _, stop, task = start([[(0, "a")], [(1, "b")]], notifier)
    notifier.open(0, 1, sends=False)
    await settle()
    stop.set()
    await settle()  # the loop has stopped fetching and waits for both batches
    notifier.open(0)
    await settle()
    returned_early = task.done()
    notifier.open(1)
    with pytest.raises(RuntimeError, match="ledger gone"):
        await asyncio.wait_for(task, 5)
    assert (False, ["sent 0", "sent 1"]) == (returned_early, notifier.log[-2:])


def test_prepare_names_the_escalations_a_batch_touches_and_skips_garbage() -> None:
    """A batch's escalations come from subjects and summaries; undecodable records drop out."""
    first = event(EscalationAssigned(escalation=summary(), owner="ana", team="desk"))
    other = summary(id="another-escalation")
    second = build_event(
        EscalationAssigned(escalation=other, owner="ana", team="desk"),
        subject="subject-of-second", source="/router", time=NOW,
    )  # fmt: skip
    records = [
        Record(0, value=encode(first)),
        Record(1, value=b"{}"),
        Record(2, value=encode(second)),
    ]
    notifier = Notifier(planner(), None, None)  # type: ignore[arg-type]
    prepared = notifier.prepare(records)
    expected = {ESCALATION_ID, "another-escalation", "subject-of-second"}
    assert (2, expected) == (len(prepared.events), set(prepared.escalations))

"""Write and commit an applied batch, then hand its events to the relay.

The events about escalations the batch created are handed to the relay (reserved before
the commit, handed over right after it, with no wait between); any other event wakes the
relay to read it (see ``relay``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from escalations_router import metrics
from escalations_router.batch.apply import Batch
from escalations_router.batch.unit_of_work import UnitOfWork
from escalations_router.observe import observe
from escalations_router.relay.outbox import Row as OutboxRow


class Outbox(Protocol):
    """Where committed outbox rows go (the relay): handed over, or left to be read."""

    @property
    def leading(self) -> bool: ...

    def wake(self) -> None: ...

    def reserve(self, rows: list[OutboxRow]) -> int | None: ...

    def hand_over(self, token: int, rows: list[OutboxRow]) -> None: ...

    def release(self, token: int) -> None: ...


async def finish(
    uow: UnitOfWork, outbox: Outbox | None, batch: Batch, after: Callable[[], None] | None
) -> None:
    """Write and commit a prepared batch, hand its events on, count it, run ``after``."""
    token, read = None, False
    handed: list[OutboxRow] = []
    try:
        ids = await uow.flush(batch.writes)
        if outbox is not None and outbox.leading:
            handed, read = handed_rows(batch, ids)
            token = outbox.reserve(handed) if handed else None
        else:  # another router's relay reads them: no envelope to serialise here
            read = bool(batch.writes.outbox)
        await uow.commit()
    except BaseException:
        if outbox is not None and token is not None:
            outbox.release(token)
        await uow.rollback()
        raise
    if outbox is not None:
        if token is not None:
            outbox.hand_over(token, handed)
        if read or (handed and token is None):
            outbox.wake()
    await uow.release()
    metrics.count_consumed(batch.applied)
    for outcome in batch.outcomes:
        observe(outcome, batch.now)
    metrics.count_assignments(batch.decider.book.assigned_now, batch.decider.config, batch.now)
    if after is not None:
        after()


def handed_rows(batch: Batch, ids: dict[str, int]) -> tuple[list[OutboxRow], bool]:
    """Return the outbox rows about escalations the batch created, and whether others remain.

    No transaction wrote about an escalation before the one that created it, so these rows
    can be published without reading the outbox for older ones with the same key.
    """
    handed: list[OutboxRow] = []
    others = False
    for row, envelope in zip(batch.writes.outbox, batch.writes.envelopes, strict=True):
        if row["key"] in batch.created:
            event_id = row["event_id"]
            handed.append((ids[event_id], event_id, row["topic"], row["key"], envelope.decode()))
        else:
            others = True
    return sorted(handed), others

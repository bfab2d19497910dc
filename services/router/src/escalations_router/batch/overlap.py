"""Overlapping batches: the next batch is applied while the one before it commits.

It may only when the two share no escalation, no event and no schedule command (``Touched``);
otherwise it waits for the commit first. The load of the people it assigns is the one thing
the two share, and it comes from the batch in flight: read without a lock, with the in-flight
batch's changes on top. Once that batch has committed, the next one locks those people and
checks they hold what it assumed; if another router changed them in between, it is applied
again with the people locked first. Commits stay in fetch order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from escalations.core.assignment import PersonHistory
from escalations_router.batch.decode import Record, Touched
from escalations_router.batch.unit_of_work import UnitOfWork
from escalations_router.postgres.db import ERRORS

log = logging.getLogger(__name__)


@dataclass
class Staged:
    """A batch applied in its transaction, writing and committing in the background."""

    records: Sequence[Record]
    touched: Touched
    # The load of the people this batch changed, as Postgres holds it once it commits.
    people: dict[str, PersonHistory]
    after: Callable[[], None] | None
    task: asyncio.Task[None]

    async def committed(self) -> None:
        """Wait for the commit; raise what made it fail."""
        await asyncio.shield(self.task)

    async def succeeded(self) -> bool:
        """Wait for the commit; return whether it happened (False on a database error)."""
        try:
            await self.committed()
        except ERRORS:
            return False
        return True


async def overlapping(previous: Staged | None, touched: Touched) -> Staged | None:
    """Return the batch still committing that this one may overlap, after waiting if not.

    Raises what made ``previous`` fail when this batch has to wait for it.
    """
    if previous is not None and (previous.task.done() or not touched.apart_from(previous.touched)):
        # Already committed, or sharing something with this batch: wait for it, then
        # lock the people up front (no check afterwards, one round trip less).
        await previous.committed()
        return None
    return previous


async def people_load(
    uow: UnitOfWork, people: set[str], previous: Staged | None
) -> dict[str, PersonHistory]:
    """Return the load of the people in play: locked, or as the batch in flight leaves it."""
    if previous is None:
        return await uow.lock_people(people)
    # The batch in flight holds these people locked until it commits: start from
    # what it will commit, and check that once it has.
    seen = await uow.read_people(people)
    seen.update((p, h) for p, h in previous.people.items() if p in people)
    return seen


async def still_holds(
    uow: UnitOfWork,
    people: set[str],
    seen: dict[str, PersonHistory],
    previous: Staged | None,
) -> bool:
    """Once ``previous`` commits, lock the people and say whether their load is as assumed."""
    if previous is None:
        return True
    await previous.committed()
    locked = await uow.lock_people(people)
    if any(locked[p] != seen.get(p, PersonHistory()) for p in locked):
        log.info("person load changed under an overlapped batch: applying it again")
        return False
    return True

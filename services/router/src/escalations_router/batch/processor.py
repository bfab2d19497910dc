"""The batch processor: one fetched batch, one unit of work (a Postgres transaction).

Per batch: decode every record (``decode``), lock the escalations touched (id order), skip
events already processed, load their clocks, the stored overrides and time off, and lock
the load of every person the batch may assign. Then apply the events (``apply``) and write
and commit everything together (``write``). The row locks come before the processed-event
check, so a batch replayed by a new partition owner during a rebalance waits for the old
owner's transaction and then sees its events as done. A batch may be applied while the one
before it commits (``overlap``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial

from escalations_router.batch.apply import Batch, apply_event, fresh, people_in_play
from escalations_router.batch.dead_letters import park
from escalations_router.batch.decode import (
    SCHEDULE_COMMANDS,
    Parsed,
    Record,
    Touched,
    dead_letter_id,
    parse,
    received,
)
from escalations_router.batch.overlap import Staged, overlapping, people_load, still_holds
from escalations_router.batch.unit_of_work import Begin, UnitOfWork
from escalations_router.batch.write import Outbox, finish
from escalations_router.domain import refire, schedule
from escalations_router.domain.core_decider import CoreDecider
from escalations_router.domain.load_book import LoadBook
from escalations_router.postgres.db import Pool
from escalations_router.postgres.unit_of_work import PostgresUnitOfWork


class Batches:
    """Applies fetched batches, each atomically in one unit of work (``unit_of_work``)."""

    def __init__(self, begin: Begin, decider: CoreDecider, outbox: Outbox | None = None) -> None:
        self._begin = begin
        self._decider = decider
        self._outbox = outbox
        self._live = schedule.LiveSchedule()

    async def process(self, records: Sequence[Record]) -> None:
        """Apply a batch in one transaction and commit it; raises (commits nothing) on error."""
        staged = await self.stage(records)
        await staged.committed()

    async def stage(
        self,
        records: Sequence[Record],
        previous: Staged | None = None,
        *,
        after: Callable[[], None] | None = None,
    ) -> Staged:
        """Apply a batch in a new transaction and start its write and commit; return at once.

        ``previous`` is the batch still committing, if any: this one overlaps it when the two
        are apart, and is written only after it commits. ``after`` runs once this batch has
        committed. Raises on a database error here or in ``previous`` (this batch then
        commits nothing).
        """
        now = datetime.now(UTC)
        parsed, poison = parse(records)
        touched = Touched.of(parsed)
        previous = await overlapping(previous, touched)
        uow = await self._begin()
        try:
            batch = await self._prepare(uow, now, parsed, poison, previous)
        except BaseException:
            await uow.rollback()
            raise
        if batch is None:
            # Another router changed a person this batch assumed: apply it again, locked.
            await uow.rollback()
            return await self.stage(records, after=after)
        task = asyncio.create_task(finish(uow, self._outbox, batch, after))
        return Staged(records, touched, batch.decider.book.committed(now), after, task)

    async def _prepare(
        self,
        uow: UnitOfWork,
        now: datetime,
        parsed: list[Parsed],
        poison: list[tuple[Record, str]],
        previous: Staged | None,
    ) -> Batch | None:
        """Lock, load and apply; return the batch to write, or None to apply it again."""
        escalation_ids = [
            p.envelope.subject for p in parsed if not isinstance(p.payload, SCHEDULE_COMMANDS)
        ]
        reports = received(parsed)
        rows = await uow.lock_escalations([*escalation_ids, *refire.linked(reports)], reports)
        ids = [p.envelope.id for p in parsed] + [dead_letter_id(r) for r, _ in poison]
        live, done = await uow.load_schedule(now, ids, self._live)
        clocks = await uow.load_clocks(rows)
        decider = self._decider.bind(live)
        todo = fresh(parsed, done)
        people = people_in_play(todo, rows, decider, now)
        seen = await people_load(uow, people, previous)
        decider.book = LoadBook(seen, decider.book.window)
        batch = Batch(uow, now, rows, clocks, decider)
        for item in todo:
            await apply_event(batch, item)
        for record, error in poison:
            if dead_letter_id(record) not in done:
                park(batch.writes, record, "undecodable", error, now, mark=True)
        if not await still_holds(uow, people, seen, previous):
            return None
        batch.writes.people = decider.book.rows(now)
        return batch


class BatchProcessor(Batches):
    """Batches applied to Postgres: each one transaction on a connection of ``pool``."""

    def __init__(self, pool: Pool, decider: CoreDecider, outbox: Outbox | None = None) -> None:
        super().__init__(partial(PostgresUnitOfWork.begin, pool), decider, outbox)

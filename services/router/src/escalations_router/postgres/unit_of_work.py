"""The batch's unit of work on Postgres: one transaction on a connection of the pool.

It implements ``batch.unit_of_work.UnitOfWork`` with the store's statements (``store``,
``refire``, ``schedule``, ``people``, ``writes``). Escalations are locked in id order, so
two batches never deadlock; the row locks come before the processed-event check, so a batch
replayed by a new partition owner waits for the old owner's transaction and then sees its
events as done.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import asyncpg

from escalations.contracts.events import EscalationReceived
from escalations.core.assignment import PersonHistory
from escalations_router.domain.duty import StoredSchedule
from escalations_router.domain.records import Clock, Escalation
from escalations_router.domain.schedule import LiveSchedule, ScheduleCommand
from escalations_router.postgres import people, refire, schedule, store
from escalations_router.postgres.db import ERRORS, Connection, Pool
from escalations_router.postgres.writes import CONSUMER, Writes

log = logging.getLogger(__name__)


class PostgresUnitOfWork:
    """One batch's transaction on a pooled connection, given back when it ends."""

    def __init__(self, pool: Pool, connection: Connection, transaction: Any) -> None:
        self._pool = pool
        self._connection = connection
        self._transaction = transaction

    @classmethod
    async def begin(cls, pool: Pool) -> PostgresUnitOfWork:
        """Take a connection from ``pool`` and start a transaction on it."""
        connection = await pool.acquire()
        uow = cls(pool, connection, connection.transaction())
        try:
            await uow._transaction.start()
        except BaseException:
            await uow.rollback()
            raise
        return uow

    async def lock_escalations(
        self, ids: Iterable[str], reports: list[tuple[str, EscalationReceived]]
    ) -> dict[str, Escalation]:
        """Lock and load these escalations and those the reports' re-fires walk to."""
        rows = await store.lock_rows(self._connection, ids)
        await refire.lock_links(self._connection, rows, reports)
        return rows

    async def load_schedule(
        self, now: datetime, event_ids: list[str], live: LiveSchedule
    ) -> tuple[StoredSchedule, set[str]]:
        """Return the stored schedule live at ``now`` and which of these events were applied."""
        return await schedule.load_with_done(self._connection, now, CONSUMER, event_ids, live)

    async def load_clocks(self, ids: Iterable[str]) -> dict[str, Clock]:
        """Load the clocks of escalations this transaction has locked."""
        return await store.load_clocks(self._connection, ids)

    async def lock_people(self, names: Iterable[str]) -> dict[str, PersonHistory]:
        """Lock and load the assignment load of these people (created if missing)."""
        return await people.lock_people(self._connection, names)

    async def read_people(self, names: Iterable[str]) -> dict[str, PersonHistory]:
        """Load the assignment load of these people without locking it."""
        return await people.read_people(self._connection, names)

    async def apply_schedule(
        self, cmd: ScheduleCommand, event_id: str, now: datetime, live: StoredSchedule
    ) -> StoredSchedule:
        """Store a schedule command; return the schedule decisions see now."""
        return await schedule.apply(self._connection, cmd, event_id, now, live)

    async def flush(self, writes: Writes) -> dict[str, int]:
        """Write everything staged in one statement; return the outbox ids by event id."""
        return await writes.flush(self._connection)

    async def commit(self) -> None:
        """Commit the transaction."""
        await self._transaction.commit()

    async def release(self) -> None:
        """Give the connection back to the pool."""
        await self._pool.release(self._connection)

    async def rollback(self) -> None:
        """Roll back and give the connection back; a broken one is dropped by the pool."""
        connection = self._connection
        try:
            try:
                await self._transaction.rollback()
            except asyncpg.InterfaceError:
                # Never started, or its COMMIT failed: end whatever the server still has open.
                if not connection.is_closed() and connection.is_in_transaction():
                    await connection.execute("ROLLBACK")
        except ERRORS as exc:
            log.warning("rollback failed, dropping the connection: %s", exc)
        finally:
            await self._pool.release(connection)

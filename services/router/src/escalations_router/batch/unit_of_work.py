"""The unit-of-work port: what applying one batch asks of storage, in one transaction.

The batch logic (``processor``, ``apply``, ``overlap``, ``write``) is written against this.
Postgres implements it (``postgres.unit_of_work``): one transaction on a pooled connection.
Unit tests use an in-memory fake (``tests/fakes/router.py``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Protocol

from escalations.contracts.events import EscalationReceived
from escalations.core.assignment import PersonHistory
from escalations_router.domain.duty import StoredSchedule
from escalations_router.domain.records import Clock, Escalation
from escalations_router.domain.schedule import LiveSchedule, ScheduleCommand
from escalations_router.postgres.writes import Writes


class UnitOfWork(Protocol):
    """One batch's transaction: locks and reads, the schedule commands, the write, the end."""

    async def lock_escalations(
        self, ids: Iterable[str], reports: list[tuple[str, EscalationReceived]]
    ) -> dict[str, Escalation]:
        """Lock and load these escalations and those the reports' re-fires walk to."""
        ...

    async def load_schedule(
        self, now: datetime, event_ids: list[str], live: LiveSchedule
    ) -> tuple[StoredSchedule, set[str]]:
        """Return the stored schedule live at ``now`` and which of these events were applied."""
        ...

    async def load_clocks(self, ids: Iterable[str]) -> dict[str, Clock]:
        """Load the clocks of escalations this unit of work has locked."""
        ...

    async def lock_people(self, people: Iterable[str]) -> dict[str, PersonHistory]:
        """Lock and load the assignment load of these people (created if missing)."""
        ...

    async def read_people(self, people: Iterable[str]) -> dict[str, PersonHistory]:
        """Load the assignment load of these people without locking it."""
        ...

    async def apply_schedule(
        self, cmd: ScheduleCommand, event_id: str, now: datetime, live: StoredSchedule
    ) -> StoredSchedule:
        """Store a schedule command; return the schedule decisions see now."""
        ...

    async def flush(self, writes: Writes) -> dict[str, int]:
        """Write everything staged; return the outbox ids by event id."""
        ...

    async def commit(self) -> None:
        """Commit; raise (committing nothing) on failure."""
        ...

    async def release(self) -> None:
        """Give back what a committed unit of work held."""
        ...

    async def rollback(self) -> None:
        """Roll back and give back what it held; never raises for a lost connection."""
        ...


# Starts one batch's unit of work.
Begin = Callable[[], Awaitable[UnitOfWork]]

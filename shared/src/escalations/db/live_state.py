"""Read the state assignment depends on: stored overrides, time off and person load.

The router reads it for every decision; ``POST /v1/simulate`` reads it the same way, so a
simulation names the owner the router would pick at the same instant. The statements run
on an asyncpg connection (the router's own, or the driver connection under the intake's
engine); rows come back as the domain core's plain objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from escalations.core.assignment import PersonHistory
from escalations.core.config_schedule import Override, TimeOff


class Fetcher(Protocol):
    """What runs a statement with ``$n`` parameters and returns its rows (asyncpg)."""

    async def fetch(self, query: str, *args: Any) -> list[Any]: ...


# The overrides and time off that have not ended by $1, as (kind, team, person, start, end,
# reason) rows; the team is NULL on time-off rows, which never read it.
LIVE_SCHEDULE = """
SELECT 'override' AS kind, team, person, start_at, end_at, NULL AS reason
FROM schedule_overrides WHERE end_at > $1
UNION ALL
SELECT 'time_off', NULL, person, start_at, end_at, reason FROM time_off WHERE end_at > $1
"""
PERSON_LOAD = (
    "SELECT person, last_assigned_at, open_count, graphic_at FROM router_person_load "
    "WHERE person = ANY($1::text[])"
)


def schedule_of(rows: Sequence[Any]) -> tuple[tuple[Override, ...], tuple[TimeOff, ...]]:
    """Return the overrides and time off among ``LIVE_SCHEDULE`` rows (others are left out)."""
    return (
        tuple(
            Override.model_construct(team=team, person=person, start=start, end=end)
            for kind, team, person, start, end, _ in rows
            if kind == "override"
        ),
        tuple(
            TimeOff.model_construct(person=person, start=start, end=end, reason=reason or "")
            for kind, _, person, start, end, reason in rows
            if kind == "time_off"
        ),
    )


def histories_of(records: Iterable[Any]) -> dict[str, PersonHistory]:
    """Return person-load rows (person, last assigned, open count, graphic stamps) as history."""
    return {
        record["person"]: PersonHistory(
            last_assigned_at=record["last_assigned_at"],
            open_count=record["open_count"],
            graphic_at=tuple(map(datetime.fromisoformat, record["graphic_at"])),
        )
        for record in records
    }


async def read_schedule(
    connection: Fetcher, now: datetime
) -> tuple[tuple[Override, ...], tuple[TimeOff, ...]]:
    """Return the overrides and time off that have not ended by ``now`` (one query)."""
    return schedule_of(await connection.fetch(LIVE_SCHEDULE, now))


async def read_load(connection: Fetcher, people: Iterable[str]) -> dict[str, PersonHistory]:
    """Return the stored load of these people, without locking (unknown people left out)."""
    wanted = sorted(set(people))
    if not wanted:
        return {}
    return histories_of(await connection.fetch(PERSON_LOAD, wanted))

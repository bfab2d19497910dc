"""Schedule commands (overrides, time off): validate, store, and load for decisions.

The commands are keyed by team or person id, not by escalation, so they carry no row lock;
their primary keys (the command's override or time-off id) make a repeat a no-op.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from escalations.contracts.events import OverrideRequested, TimeOffRequested
from escalations.core.config import Config, Override, TimeOff
from escalations_router.core_decider import Schedule
from escalations_router.db import Connection, Record

ScheduleCommand = OverrideRequested | TimeOffRequested


def problem(cmd: ScheduleCommand, config: Config) -> str | None:
    """Return why a schedule command cannot apply under ``config``, or None if it can."""
    if cmd.end <= cmd.start:
        return f"end {cmd.end.isoformat()} is not after start {cmd.start.isoformat()}"
    if cmd.person not in config.people_by_id:
        return f"unknown person '{cmd.person}'"
    if isinstance(cmd, OverrideRequested) and cmd.team not in config.teams_by_id:
        return f"unknown team '{cmd.team}'"
    return None


def with_command(schedule: Schedule, cmd: ScheduleCommand) -> Schedule:
    """Return the schedule with a command applied, so later decisions of the batch see it."""
    if isinstance(cmd, OverrideRequested):
        override = Override(team=cmd.team, person=cmd.person, start=cmd.start, end=cmd.end)
        return Schedule((*schedule.overrides, override), schedule.time_off)
    away = TimeOff(person=cmd.person, start=cmd.start, end=cmd.end, reason=cmd.reason or "")
    return Schedule(schedule.overrides, (*schedule.time_off, away))


_STORE_OVERRIDE = (
    "INSERT INTO schedule_overrides (id, team, person, start_at, end_at, source, created_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING"
)
_STORE_TIME_OFF = (
    "INSERT INTO time_off (id, person, start_at, end_at, reason, source, created_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING"
)


async def store(connection: Connection, cmd: ScheduleCommand, now: datetime) -> None:
    """Insert the override or time off (a repeat of the same id changes nothing)."""
    if isinstance(cmd, OverrideRequested):
        await connection.execute(
            _STORE_OVERRIDE,
            *(cmd.override_id, cmd.team, cmd.person, cmd.start, cmd.end, cmd.source, now),
        )
    else:
        await connection.execute(
            _STORE_TIME_OFF,
            *(cmd.time_off_id, cmd.person, cmd.start, cmd.end, cmd.reason, cmd.source, now),
        )


# The overrides and time off that have not ended, as (kind, team, person, start, end,
# reason) rows; the team is NULL on time-off rows, which never read it.
_LIVE = """
SELECT 'override' AS kind, team, person, start_at, end_at, NULL AS reason
FROM schedule_overrides WHERE end_at > $1
UNION ALL
SELECT 'time_off', NULL, person, start_at, end_at, reason FROM time_off WHERE end_at > $1
"""
# ... and which of a batch's events were applied before, in the same round trip (the event
# id in the second column).
_LIVE_AND_DONE = (
    _LIVE
    + """UNION ALL
SELECT 'processed', event_id, NULL, NULL, NULL, NULL
FROM processed_events WHERE event_id = ANY($3::text[]) AND consumer = $2
"""
)


class LiveSchedule:
    """The live schedule as last loaded: the same object while the stored rows are the same.

    Who is on duty is remembered per schedule object across batches (``CoreDecider``): a
    batch that loads the same overrides and time off as the one before gets the same object.
    """

    def __init__(self) -> None:
        self._rows: tuple[tuple[object, ...], ...] | None = None
        self._schedule = Schedule()

    def of(self, rows: Sequence[Record]) -> Schedule:
        """Return the schedule of these rows (processed-event rows are left out)."""
        found = tuple(tuple(row) for row in rows if row[0] != "processed")
        if found != self._rows:
            self._rows, self._schedule = found, _schedule(rows)
        return self._schedule


async def load(connection: Connection, now: datetime) -> Schedule:
    """Return the overrides and time off that have not ended by ``now`` (one query)."""
    return _schedule(await connection.fetch(_LIVE, now))


async def load_with_done(
    connection: Connection,
    now: datetime,
    consumer: str,
    event_ids: Iterable[str],
    live: LiveSchedule | None = None,
) -> tuple[Schedule, set[str]]:
    """Return the live schedule and which of these events ``consumer`` applied before."""
    rows = await connection.fetch(_LIVE_AND_DONE, now, consumer, list(event_ids))
    schedule = _schedule(rows) if live is None else live.of(rows)
    return schedule, {row[1] for row in rows if row[0] == "processed"}


def _schedule(rows: Sequence[Record]) -> Schedule:
    return Schedule(
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

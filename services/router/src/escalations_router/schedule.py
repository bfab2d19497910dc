"""Schedule commands (add or cancel overrides and time off): validate, apply, and load.

The commands are keyed by team or person id, not by escalation, so they carry no row lock;
their primary keys (the command's override or time-off id) make a repeat of an add a
no-op, and a cancel of what is already gone changes nothing. Each change appends one
``schedule_history`` row in the same statement, so the history commits with the change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from escalations.contracts.events import OverrideRequested, TimeOffRequested
from escalations.contracts.schedule import OverrideCancelRequested, TimeOffCancelRequested
from escalations.core.config import Config, Override, TimeOff
from escalations.db.live_state import LIVE_SCHEDULE, read_schedule, schedule_of
from escalations_router.core_decider import Schedule
from escalations_router.db import Connection, Record

Add = OverrideRequested | TimeOffRequested
Cancel = OverrideCancelRequested | TimeOffCancelRequested
ScheduleCommand = Add | Cancel
SCHEDULE_COMMANDS = (
    OverrideRequested,
    TimeOffRequested,
    OverrideCancelRequested,
    TimeOffCancelRequested,
)


def problem(cmd: ScheduleCommand, config: Config) -> str | None:
    """Return why a schedule command cannot apply under ``config``, or None if it can.

    A cancel always applies: what it names may outlive a person or team in the
    configuration, and cancelling what is gone changes nothing.
    """
    if isinstance(cmd, Cancel):
        return None
    if cmd.end <= cmd.start:
        return f"end {cmd.end.isoformat()} is not after start {cmd.start.isoformat()}"
    if cmd.person not in config.people_by_id:
        return f"unknown person '{cmd.person}'"
    if isinstance(cmd, OverrideRequested) and cmd.team not in config.teams_by_id:
        return f"unknown team '{cmd.team}'"
    return None


def with_command(schedule: Schedule, cmd: Add) -> Schedule:
    """Return the schedule with an add applied, so later decisions of the batch see it."""
    if isinstance(cmd, OverrideRequested):
        override = Override(team=cmd.team, person=cmd.person, start=cmd.start, end=cmd.end)
        return Schedule((*schedule.overrides, override), schedule.time_off)
    away = TimeOff(person=cmd.person, start=cmd.start, end=cmd.end, reason=cmd.reason or "")
    return Schedule(schedule.overrides, (*schedule.time_off, away))


def actor(cmd: ScheduleCommand) -> str:
    """Return who a command acts as in the history (a source acts as ``system:<source>``)."""
    return f"system:{cmd.source}"


# Each add inserts the row and, if it is new, its history entry: one statement.
# $1 id, $2 team, $3 person, $4 start, $5 end, $6 source, $7 now, $8 actor, $9 event id
_ADD_OVERRIDE = """
WITH added AS (
  INSERT INTO schedule_overrides (id, team, person, start_at, end_at, source, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING RETURNING *)
INSERT INTO schedule_history
  (at, action, item_id, team, person, start_at, end_at, actor, reason, event_id)
SELECT $7, 'override_added', id, team, person, start_at, end_at, $8, NULL, $9 FROM added
"""
# $1 id, $2 person, $3 start, $4 end, $5 reason, $6 source, $7 now, $8 actor, $9 event id
_ADD_TIME_OFF = """
WITH added AS (
  INSERT INTO time_off (id, person, start_at, end_at, reason, source, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING RETURNING *)
INSERT INTO schedule_history
  (at, action, item_id, team, person, start_at, end_at, actor, reason, event_id)
SELECT $7, 'time_off_added', id, NULL, person, start_at, end_at, $8, reason, $9 FROM added
"""
# A cancel deletes what has not started and ends what is running now; what has ended is
# left alone (calendars show the past). The history keeps the window as it was.
# $1 id, $2 team or person, $3 now, $4 actor, $5 reason, $6 event id
_CANCEL_OVERRIDE = """
WITH target AS (
  SELECT * FROM schedule_overrides WHERE id = $1 AND team = $2 AND end_at > $3 FOR UPDATE),
gone AS (
  DELETE FROM schedule_overrides AS o USING target
  WHERE o.id = target.id AND target.start_at >= $3),
cut AS (
  UPDATE schedule_overrides AS o SET end_at = $3 FROM target
  WHERE o.id = target.id AND target.start_at < $3)
INSERT INTO schedule_history
  (at, action, item_id, team, person, start_at, end_at, actor, reason, event_id)
SELECT $3, 'override_cancelled', id, team, person, start_at, end_at, $4, $5, $6 FROM target
RETURNING id
"""
_CANCEL_TIME_OFF = """
WITH target AS (
  SELECT * FROM time_off WHERE id = $1 AND person = $2 AND end_at > $3 FOR UPDATE),
gone AS (
  DELETE FROM time_off AS o USING target
  WHERE o.id = target.id AND target.start_at >= $3),
cut AS (
  UPDATE time_off AS o SET end_at = $3 FROM target
  WHERE o.id = target.id AND target.start_at < $3)
INSERT INTO schedule_history
  (at, action, item_id, team, person, start_at, end_at, actor, reason, event_id)
SELECT $3, 'time_off_cancelled', id, NULL, person, start_at, end_at, $4, $5, $6 FROM target
RETURNING id
"""


async def apply(
    connection: Connection, cmd: ScheduleCommand, event_id: str, now: datetime, live: Schedule
) -> Schedule:
    """Store an add or a cancel with its history entry; return the schedule decisions see now."""
    who = actor(cmd)
    if isinstance(cmd, OverrideRequested):
        row = (cmd.override_id, cmd.team, cmd.person, cmd.start, cmd.end, cmd.source)
        await connection.execute(_ADD_OVERRIDE, *row, now, who, event_id)
        return with_command(live, cmd)
    if isinstance(cmd, TimeOffRequested):
        leave = (cmd.time_off_id, cmd.person, cmd.start, cmd.end, cmd.reason, cmd.source)
        await connection.execute(_ADD_TIME_OFF, *leave, now, who, event_id)
        return with_command(live, cmd)
    if isinstance(cmd, OverrideCancelRequested):
        sql, target = _CANCEL_OVERRIDE, (cmd.override_id, cmd.team)
    else:
        sql, target = _CANCEL_TIME_OFF, (cmd.time_off_id, cmd.person)
    cancelled = await connection.fetch(sql, *target, now, who, cmd.reason, event_id)
    return await load(connection, now) if cancelled else live


# The overrides and time off that have not ended (``live_state.LIVE_SCHEDULE``), and which
# of a batch's events were applied before, in the same round trip (the event id in the
# second column).
_LIVE_AND_DONE = (
    LIVE_SCHEDULE
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
    return Schedule(*await read_schedule(connection, now))


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
    return Schedule(*schedule_of(rows))

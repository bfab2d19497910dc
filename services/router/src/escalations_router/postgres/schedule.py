"""Schedule commands in Postgres: store an add or a cancel with its history, load the schedule.

The commands are keyed by team or person id, not by escalation, so they carry no row lock;
their primary keys (the command's override or time-off id) make a repeat of an add a
no-op, and a cancel of what is already gone changes nothing. Each change appends one
``schedule_history`` row in the same statement, so the history commits with the change.
The rules are ``domain.schedule``'s.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from escalations.contracts.events import OverrideRequested, TimeOffRequested
from escalations.contracts.schedule import OverrideCancelRequested
from escalations.db.live_state import LIVE_SCHEDULE, read_schedule
from escalations_router.domain.duty import StoredSchedule
from escalations_router.domain.schedule import (
    LiveSchedule,
    ScheduleCommand,
    actor,
    schedule_from,
    with_command,
)
from escalations_router.postgres.db import Connection

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
# A command that changes who is on call from an instant the stakeholder job has already
# passed (it arrived late, or the router restarted) moves that job's watermark back, so the
# handoff it makes is still sent; ones already sent are kept from repeating by their rows
# (docs/router.md, "Stakeholders: reminders, handoffs, digests").
_REWIND_TEAM = "UPDATE handoff_watermarks SET through = $2 WHERE team = $1 AND through > $2"
_REWIND_ALL = "UPDATE handoff_watermarks SET through = $1 WHERE through > $1"


def _before(instant: datetime) -> datetime:
    """Return the watermark that makes ``instant`` itself be looked at again (``(after, now]``)."""
    return instant - timedelta(microseconds=1)


async def apply(
    connection: Connection, cmd: ScheduleCommand, event_id: str, now: datetime, live: StoredSchedule
) -> StoredSchedule:
    """Store an add or a cancel with its history entry; return the schedule decisions see now."""
    who = actor(cmd)
    if isinstance(cmd, OverrideRequested):
        row = (cmd.override_id, cmd.team, cmd.person, cmd.start, cmd.end, cmd.source)
        await connection.execute(_ADD_OVERRIDE, *row, now, who, event_id)
        await connection.execute(_REWIND_TEAM, cmd.team, _before(min(cmd.start, now)))
        return with_command(live, cmd)
    if isinstance(cmd, TimeOffRequested):
        leave = (cmd.time_off_id, cmd.person, cmd.start, cmd.end, cmd.reason, cmd.source)
        await connection.execute(_ADD_TIME_OFF, *leave, now, who, event_id)
        await connection.execute(_REWIND_ALL, _before(min(cmd.start, now)))
        return with_command(live, cmd)
    if isinstance(cmd, OverrideCancelRequested):
        sql, target = _CANCEL_OVERRIDE, (cmd.override_id, cmd.team)
    else:
        sql, target = _CANCEL_TIME_OFF, (cmd.time_off_id, cmd.person)
    cancelled = await connection.fetch(sql, *target, now, who, cmd.reason, event_id)
    if not cancelled:
        return live
    if isinstance(cmd, OverrideCancelRequested):
        await connection.execute(_REWIND_TEAM, cmd.team, _before(now))
    else:
        await connection.execute(_REWIND_ALL, _before(now))
    return await load(connection, now)


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


async def load(connection: Connection, now: datetime) -> StoredSchedule:
    """Return the overrides and time off that have not ended by ``now`` (one query)."""
    return StoredSchedule(*await read_schedule(connection, now))


async def load_with_done(
    connection: Connection,
    now: datetime,
    consumer: str,
    event_ids: Iterable[str],
    live: LiveSchedule | None = None,
) -> tuple[StoredSchedule, set[str]]:
    """Return the live schedule and which of these events ``consumer`` applied before."""
    rows = await connection.fetch(_LIVE_AND_DONE, now, consumer, list(event_ids))
    schedule = schedule_from(rows) if live is None else live.of(rows)
    return schedule, {row[1] for row in rows if row[0] == "processed"}

"""Schedule commands (overrides, time off): validate, store, and load for decisions.

The commands are keyed by team or person id, not by escalation, so they carry no row lock;
their primary keys (the command's override or time-off id) make a repeat a no-op.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import (
    CompoundSelect,
    Row,
    String,
    any_,
    bindparam,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from escalations.contracts.events import OverrideRequested, TimeOffRequested
from escalations.core.config import Config, Override, TimeOff
from escalations.db.models import OverrideRow, ProcessedEventRow, TimeOffRow
from escalations_router.core_decider import Schedule

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


async def store(session: AsyncSession, cmd: ScheduleCommand, now: datetime) -> None:
    """Insert the override or time off (a repeat of the same id changes nothing)."""
    if isinstance(cmd, OverrideRequested):
        values = {
            "id": cmd.override_id,
            "team": cmd.team,
            "person": cmd.person,
            "start_at": cmd.start,
            "end_at": cmd.end,
            "source": cmd.source,
            "created_at": now,
        }
        stmt = insert(OverrideRow).values(values)
    else:
        values = {
            "id": cmd.time_off_id,
            "person": cmd.person,
            "start_at": cmd.start,
            "end_at": cmd.end,
            "reason": cmd.reason,
            "source": cmd.source,
            "created_at": now,
        }
        stmt = insert(TimeOffRow).values(values)
    connection = await session.connection()
    await connection.execute(stmt.on_conflict_do_nothing(index_elements=["id"]))


_OVERRIDES = select(
    literal("override").label("kind"),
    col(OverrideRow.team),
    col(OverrideRow.person),
    col(OverrideRow.start_at),
    col(OverrideRow.end_at),
    null().label("reason"),
).where(col(OverrideRow.end_at) > bindparam("now"))
_TIME_OFF = select(
    literal("time_off"),
    null(),
    col(TimeOffRow.person),
    col(TimeOffRow.start_at),
    col(TimeOffRow.end_at),
    col(TimeOffRow.reason),
).where(col(TimeOffRow.end_at) > bindparam("now"))
# Which of a batch's events were applied before, in the same round trip (the event id in
# the second column).
_DONE = select(
    literal("processed"),
    col(ProcessedEventRow.event_id),
    null(),
    null(),
    null(),
    null(),
).where(
    col(ProcessedEventRow.consumer) == bindparam("consumer"),
    col(ProcessedEventRow.event_id) == any_(bindparam("ids", type_=ARRAY(String))),
)
# The team is NULL on time-off rows, which never read it.
_Rows = CompoundSelect[str, str, str, datetime, datetime, str | None]
_LIVE: _Rows = union_all(_OVERRIDES, _TIME_OFF)
_LIVE_AND_DONE: _Rows = union_all(_OVERRIDES, _TIME_OFF, _DONE)


async def load(session: AsyncSession, now: datetime) -> Schedule:
    """Return the overrides and time off that have not ended by ``now`` (one query)."""
    connection = await session.connection()
    return _schedule((await connection.execute(_LIVE, {"now": now})).all())


async def load_with_done(
    session: AsyncSession, now: datetime, consumer: str, event_ids: Iterable[str]
) -> tuple[Schedule, set[str]]:
    """Return the live schedule and which of these events ``consumer`` applied before."""
    params = {"now": now, "consumer": consumer, "ids": list(event_ids)}
    connection = await session.connection()
    rows = (await connection.execute(_LIVE_AND_DONE, params)).all()
    return _schedule(rows), {row[1] for row in rows if row[0] == "processed"}


def _schedule(rows: Sequence[Row[str, str, str, datetime, datetime, str | None]]) -> Schedule:
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

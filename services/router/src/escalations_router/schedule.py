"""Schedule commands (overrides, time off): validate, store, and load for decisions.

The commands are keyed by team or person id, not by escalation, so they carry no row lock;
their primary keys (the command's override or time-off id) make a repeat a no-op.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from escalations.contracts.events import OverrideRequested, TimeOffRequested
from escalations.core.config import Config, Override, TimeOff
from escalations.db.models import OverrideRow, TimeOffRow
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


async def load(session: AsyncSession, now: datetime) -> Schedule:
    """Return the overrides and time off that have not ended by ``now``."""
    overrides = await session.exec(select(OverrideRow).where(col(OverrideRow.end_at) > now))
    away = await session.exec(select(TimeOffRow).where(col(TimeOffRow.end_at) > now))
    return Schedule(
        tuple(
            Override.model_construct(team=r.team, person=r.person, start=r.start_at, end=r.end_at)
            for r in overrides.all()
        ),
        tuple(
            TimeOff.model_construct(
                person=r.person, start=r.start_at, end=r.end_at, reason=r.reason or ""
            )
            for r in away.all()
        ),
    )

"""Read what the router stored about schedules: overrides, time off, their history."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from escalations.core.config import Config
from escalations.core.config_schedule import Override, TimeOff
from escalations.db.live_state import Fetcher
from escalations.db.models import OverrideRow, TimeOffRow
from escalations.db.models_schedule import ScheduleHistoryRow
from escalations_intake.db import Sessions

# A stored window: an override or a time off row.
Window = TypeVar("Window", OverrideRow, TimeOffRow)


async def windows(
    sessions: Sessions, config: Config, start: datetime, end: datetime
) -> tuple[list[Override], list[TimeOff]]:
    """Return the runtime overrides and time off overlapping [start, end).

    Rows naming a team or person the configuration no longer has are skipped.
    """
    async with sessions() as session:
        overrides = (
            await session.exec(
                select(OverrideRow).where(
                    col(OverrideRow.end_at) > start, col(OverrideRow.start_at) < end
                )
            )
        ).all()
        leave = (
            await session.exec(
                select(TimeOffRow).where(
                    col(TimeOffRow.end_at) > start, col(TimeOffRow.start_at) < end
                )
            )
        ).all()
    people, teams = config.people_by_id, config.teams_by_id
    return (
        [
            Override(team=r.team, person=r.person, start=r.start_at, end=r.end_at)
            for r in overrides
            if r.team in teams and r.person in people
        ],
        [
            TimeOff(person=r.person, start=r.start_at, end=r.end_at, reason=r.reason or "")
            for r in leave
            if r.person in people
        ],
    )


@asynccontextmanager
async def live_reader(engine: AsyncEngine) -> AsyncIterator[Fetcher]:
    """Yield the driver connection under one pooled connection, in one read-only snapshot.

    The router reads its state with plain asyncpg statements (``escalations.db.live_state``);
    reading through the same statements here keeps a simulation's inputs the router's.
    """
    async with engine.connect() as connection:
        driver: Any = (await connection.get_raw_connection()).driver_connection
        async with driver.transaction(isolation="repeatable_read", readonly=True):
            yield driver


async def override_rows(
    sessions: Sessions, team: str, start: datetime, end: datetime | None
) -> list[OverrideRow]:
    """Return a team's stored overrides overlapping [start, end) (no end: all later ones)."""
    return await _overlapping(sessions, OverrideRow, col(OverrideRow.team) == team, start, end)


async def time_off_rows(
    sessions: Sessions, person: str, start: datetime, end: datetime | None
) -> list[TimeOffRow]:
    """Return a person's stored time off overlapping [start, end) (no end: all later ones)."""
    return await _overlapping(sessions, TimeOffRow, col(TimeOffRow.person) == person, start, end)


async def _overlapping(
    sessions: Sessions, table: type[Window], owner: Any, start: datetime, end: datetime | None
) -> list[Window]:
    """Return the rows of ``table`` matching ``owner`` that overlap [start, end), in order."""
    query = select(table).where(owner, col(table.end_at) > start)
    if end is not None:
        query = query.where(col(table.start_at) < end)
    async with sessions() as session:
        found = await session.exec(query.order_by(col(table.start_at), col(table.id)))
        return list(found.all())


async def override_row(sessions: Sessions, override_id: str) -> OverrideRow | None:
    """Return one stored override by id."""
    async with sessions() as session:
        return await session.get(OverrideRow, override_id)


async def time_off_row(sessions: Sessions, time_off_id: str) -> TimeOffRow | None:
    """Return one stored time off by id."""
    async with sessions() as session:
        return await session.get(TimeOffRow, time_off_id)


async def history_rows(
    sessions: Sessions, *, team: str | None = None, person: str | None = None, limit: int = 100
) -> list[ScheduleHistoryRow]:
    """Return the newest schedule changes of a team (its overrides) or of a person."""
    query = select(ScheduleHistoryRow)
    if team is not None:
        query = query.where(ScheduleHistoryRow.team == team)
    if person is not None:
        query = query.where(ScheduleHistoryRow.person == person)
    order = (col(ScheduleHistoryRow.at).desc(), col(ScheduleHistoryRow.id).desc())
    async with sessions() as session:
        return list((await session.exec(query.order_by(*order).limit(limit))).all())

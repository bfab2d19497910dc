"""Read the overrides and time off the router stored, as domain-core objects."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select

from escalations.core.config import Config
from escalations.core.config_schedule import Override, TimeOff
from escalations.db.models import OverrideRow, TimeOffRow
from escalations_intake.bootstrap import Deps


async def windows(
    deps: Deps, config: Config, start: datetime, end: datetime
) -> tuple[list[Override], list[TimeOff]]:
    """Return the runtime overrides and time off overlapping [start, end).

    Rows naming a team or person the configuration no longer has are skipped.
    """
    async with deps.sessions() as session:
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

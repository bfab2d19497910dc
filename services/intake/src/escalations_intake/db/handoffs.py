"""A team's shift handoffs as the router stored them (``shift_handoffs``), newest first.

The router writes one row per team and handoff instant, with the packet it sent in the
``shift.handoff`` event (docs/router.md, "Stakeholders: reminders, handoffs, digests"); the
intake only reads them, for ``GET /v1/teams/{team}/handoffs`` and the console's Handoffs
page (docs/contract/http-api.md, "Handoffs").
"""

from __future__ import annotations

from sqlmodel import col, select

from escalations.db.models_handoffs import ShiftHandoffRow
from escalations_intake.db import Sessions


async def latest(sessions: Sessions, team: str, limit: int) -> list[ShiftHandoffRow]:
    """Return the team's latest ``limit`` handoffs, newest (by handoff instant) first."""
    stmt = (
        select(ShiftHandoffRow)
        .where(col(ShiftHandoffRow.team) == team)
        .order_by(col(ShiftHandoffRow.at).desc(), col(ShiftHandoffRow.id).desc())
        .limit(limit)
    )
    async with sessions() as session:
        return list((await session.exec(stmt)).all())

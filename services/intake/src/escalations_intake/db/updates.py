"""Read an escalation's status updates (``escalation_updates``, written by the router).

Newest first and bounded (docs/contract/http-api.md, "Status updates"): the index on
escalation and instant (migration 0019) serves the read.
"""

from __future__ import annotations

from sqlmodel import col, select

from escalations.db.models_updates import UpdateRow
from escalations_intake.db import Sessions

UPDATES_SHOWN = 100


async def updates_of(
    sessions: Sessions, escalation_id: str, limit: int = UPDATES_SHOWN
) -> list[UpdateRow]:
    """Return the newest ``limit`` updates of an escalation, newest first."""
    stmt = (
        select(UpdateRow)
        .where(col(UpdateRow.escalation_id) == escalation_id)
        .order_by(col(UpdateRow.at).desc(), col(UpdateRow.id).desc())
        .limit(limit)
    )
    async with sessions() as session:
        return list((await session.exec(stmt)).all())

"""Notes an outgoing on-call person leaves for the next shift (``handoff_notes``).

The router reads them into the handoff packet (docs/contract/http-api.md, "Handoff
notes"); the intake writes them and lists a team's recent ones, newest first, through the
index on team and instant (migration 0020).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlmodel import col, select

from escalations.db.models_stakeholders import HandoffNoteRow
from escalations_intake.db import Sessions


async def add(sessions: Sessions, team: str, by: str, text: str) -> HandoffNoteRow:
    """Store a note by ``by`` for ``team``'s next shift, written now; return it."""
    row = HandoffNoteRow(id=str(uuid.uuid4()), team=team, by=by, text=text, at=datetime.now(UTC))
    async with sessions() as session:
        session.add(row)
        await session.commit()
        await session.refresh(row)
    return row


async def recent(
    sessions: Sessions, team: str, since: datetime, limit: int
) -> list[HandoffNoteRow]:
    """Return the team's notes written at or after ``since``, newest first, at most ``limit``."""
    stmt = (
        select(HandoffNoteRow)
        .where(col(HandoffNoteRow.team) == team, col(HandoffNoteRow.at) >= since)
        .order_by(col(HandoffNoteRow.at).desc(), col(HandoffNoteRow.id).desc())
        .limit(limit)
    )
    async with sessions() as session:
        return list((await session.exec(stmt)).all())

"""Read the escalations the router stored: one by id with its history, or a filtered page."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import and_, or_
from sqlmodel import col, select

from escalations.db.models import EscalationRow, HistoryRow
from escalations_intake.db import Sessions, cursors


async def escalation_with_history(
    sessions: Sessions, escalation_id: str
) -> tuple[EscalationRow, list[HistoryRow]] | None:
    """Return a stored escalation and its history, oldest first; None if there is none."""
    async with sessions() as session:
        row = await session.get(EscalationRow, escalation_id)
        if row is None:
            return None
        history = (
            await session.exec(
                select(HistoryRow)
                .where(HistoryRow.escalation_id == escalation_id)
                .order_by(col(HistoryRow.id))
            )
        ).all()
    return row, list(history)


async def escalation_exists(sessions: Sessions, escalation_id: str) -> bool:
    """Return whether the router has stored this escalation."""
    async with sessions() as session:
        return await session.get(EscalationRow, escalation_id) is not None


async def escalation_page(
    sessions: Sessions, filters: Mapping[str, object], limit: int, cursor: str | None
) -> tuple[list[EscalationRow], str | None]:
    """Return up to ``limit`` escalations newest first, below ``cursor``, and the next cursor.

    ``filters``: column name to value; None values do not filter.
    """
    stmt = select(EscalationRow)
    for column, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(EscalationRow, column) == value)
    if cursor is not None:
        created, last_id = cursors.decode(cursor)
        stmt = stmt.where(
            or_(
                col(EscalationRow.created_at) < created,
                and_(col(EscalationRow.created_at) == created, col(EscalationRow.id) < last_id),
            )
        )
    stmt = stmt.order_by(col(EscalationRow.created_at).desc(), col(EscalationRow.id).desc())
    async with sessions() as session:
        rows = list((await session.exec(stmt.limit(limit + 1))).all())
    page = rows[:limit]
    more = len(rows) > limit
    return page, cursors.encode(page[-1].created_at, page[-1].id) if more else None

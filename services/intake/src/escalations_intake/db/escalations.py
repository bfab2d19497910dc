"""Read the escalations the router stored: one by id with its history, or a filtered page.

A page for a person leaves out, in SQL, what need-to-know hides from them (``Visibility``,
docs/contract/access.md), so paging and ``next_cursor`` stay right and nothing is counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import col, select

from escalations.contracts.events import Status
from escalations.db.models import EscalationRow, HistoryRow
from escalations_intake.auth.access_rules import Visibility
from escalations_intake.db import Sessions, cursors


async def escalation_with_history(
    sessions: Sessions, escalation_id: str
) -> tuple[EscalationRow, list[HistoryRow]] | None:
    """Return a stored escalation and its history, oldest first; None if there is none."""
    async with sessions() as session:
        row = await session.get(EscalationRow, escalation_id)
    if row is None:
        return None
    return row, await history_of(sessions, escalation_id)


async def history_of(sessions: Sessions, escalation_id: str) -> list[HistoryRow]:
    """Return the history of an escalation, oldest first."""
    async with sessions() as session:
        history = (
            await session.exec(
                select(HistoryRow)
                .where(HistoryRow.escalation_id == escalation_id)
                .order_by(col(HistoryRow.id))
            )
        ).all()
    return list(history)


async def escalation_exists(sessions: Sessions, escalation_id: str) -> bool:
    """Return whether the router has stored this escalation."""
    async with sessions() as session:
        return await session.get(EscalationRow, escalation_id) is not None


def visible_to(visibility: Visibility) -> ColumnElement[bool]:
    """Return the SQL condition of the escalations a person may see (need-to-know)."""
    return or_(
        col(EscalationRow.policy_area).not_in(sorted(visibility.restricted)),
        col(EscalationRow.team).in_(sorted(visibility.teams)),
        col(EscalationRow.owner) == visibility.person,
        col(EscalationRow.assignment).contains({"paged": [visibility.person]}),
    )


async def escalation_page(
    sessions: Sessions,
    filters: Mapping[str, object],
    limit: int,
    cursor: str | None,
    visibility: Visibility | None = None,
) -> tuple[list[EscalationRow], str | None]:
    """Return up to ``limit`` escalations newest first, below ``cursor``, and the next cursor.

    ``filters``: column name to value; None values do not filter. ``visibility``: leave
    out what the person may not see (None: every escalation).
    """
    stmt = select(EscalationRow)
    if visibility is not None:
        stmt = stmt.where(visible_to(visibility))
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


async def visible_open_owned(
    sessions: Sessions, people: Iterable[str], visibility: Visibility
) -> dict[str, int]:
    """Return, per person, how many escalations they own that are open and visible.

    What a person who does not see every escalation is shown of others' load (``POST
    /v1/simulate``): the router's own count would include what is hidden from them.
    """
    wanted = sorted(set(people))
    if not wanted:
        return {}
    stmt = (
        select(col(EscalationRow.owner), func.count())
        .where(col(EscalationRow.owner).in_(wanted))
        .where(col(EscalationRow.status) != Status.RESOLVED.value)
        .where(visible_to(visibility))
        .group_by(col(EscalationRow.owner))
    )
    async with sessions() as session:
        rows = (await session.exec(stmt)).all()
    return {str(owner): int(count) for owner, count in rows}

"""Read the queue: open escalations a person may see, most urgent first, one page of them.

Urgency is the tier (P0 first), then the nearest of the acknowledge (until acknowledged),
resolve and regulatory deadlines, none last (``queue_filters.urgency_key``). Need-to-know
is the API's SQL filter (``db.escalations.visible_to``). The partial index
``ix_escalations_queue`` (migration 0018) holds exactly this order for open rows, so a
page is an index scan even with many thousands open (docs/console.md, "Queue").
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, case, func, or_
from sqlalchemy.orm import load_only
from sqlmodel import col, select

from escalations.contracts.events import Status
from escalations.db.models import EscalationRow
from escalations_intake.auth.access_rules import Visibility
from escalations_intake.console.queue_filters import PAGE_SIZE, QueueFilters
from escalations_intake.db import Sessions
from escalations_intake.db.escalations import visible_to

QUEUE_COLUMNS = tuple(
    getattr(EscalationRow, name)
    for name in (
        "id",
        "tier",
        "title",
        "team",
        "owner",
        "status",
        "received_at",
        "acknowledge_by",
        "resolve_by",
        "regulatory_deadline",
        "acknowledged_at",
    )
)
"""The columns ``console.queue.row_view`` reads; the rest are not loaded."""


def nearest_deadline_sql() -> ColumnElement[object]:
    """Return the SQL of the nearest deadline (Postgres's LEAST skips NULLs)."""
    table = EscalationRow
    acknowledge = case(
        (col(table.acknowledged_at).is_(None), col(table.acknowledge_by)), else_=None
    )
    return func.least(acknowledge, col(table.resolve_by), col(table.regulatory_deadline))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def conditions(
    filters: QueueFilters, person: str, visibility: Visibility | None
) -> list[ColumnElement[bool]]:
    """Return the WHERE conditions of the queue for ``person`` with ``filters``."""
    table = EscalationRow
    found: list[ColumnElement[bool]] = [col(table.status) != Status.RESOLVED.value]
    if visibility is not None:
        found.append(visible_to(visibility))
    exact = {
        "team": filters.team,
        "tier": filters.tier,
        "status": filters.status,
        "policy_area": filters.policy_area,
        "source": filters.source,
        "owner": person if filters.mine else None,
    }
    found += [getattr(table, name) == value for name, value in exact.items() if value is not None]
    if filters.q:
        pattern = f"%{_escape_like(filters.q)}%"
        found.append(
            or_(
                col(table.title).ilike(pattern, escape="\\"),
                col(table.external_id).ilike(pattern, escape="\\"),
            )
        )
    return found


async def queue_page(
    sessions: Sessions, filters: QueueFilters, person: str, visibility: Visibility | None
) -> tuple[list[EscalationRow], bool]:
    """Return one page of the queue and whether another page follows."""
    nearest = nearest_deadline_sql()
    stmt = (
        select(EscalationRow)
        # Only what a queue row shows: decoding the large JSON columns (request, priority,
        # assignment, policy snapshot) was two thirds of the page's CPU (docs/performance.md).
        .options(load_only(*QUEUE_COLUMNS))
        .where(and_(*conditions(filters, person, visibility)))
        .order_by(col(EscalationRow.tier), nearest.asc().nulls_last(), col(EscalationRow.id))
        .offset(filters.offset)
        .limit(PAGE_SIZE + 1)
    )
    async with sessions() as session:
        rows = list((await session.exec(stmt)).all())
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE

"""The queue page ``/console`` and its rows fragment ``/console/queue/rows``.

Open escalations the person may see, most urgent first, filtered by GET parameters kept in
the URL (``queue_filters``). ``static/queue.js`` fetches the rows fragment with the same
parameters every 3 s and swaps the table body, so new and changed escalations appear
without a reload (docs/console.md, "Queue").
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from escalations.contracts.events import Status
from escalations.db.models import EscalationRow
from escalations_intake.console.people import ConsolePerson, Person
from escalations_intake.console.queue_filters import (
    OPEN_STATUSES,
    POLICY_AREAS,
    TIERS,
    FilterError,
    QueueFilters,
    nearest_deadline,
    parse_filters,
    query_string,
)
from escalations_intake.console.queue_query import queue_page
from escalations_intake.console.render import fragment, page
from escalations_intake.db import Sessions
from escalations_intake.http.deps import SessionsDep

router = APIRouter(prefix="/console", include_in_schema=False)
Filter = Annotated[str | None, Query()]
DONE = {"acknowledged": "Acknowledgement sent: the router records it in a moment."}


def row_view(row: EscalationRow, config_names: Mapping[str, str]) -> dict[str, Any]:
    """Return what the queue shows of one stored escalation."""
    acknowledged = row.acknowledged_at is not None
    nearest = nearest_deadline(
        row.acknowledge_by, row.resolve_by, row.regulatory_deadline, acknowledged=acknowledged
    )
    deadlines = [
        ("Acknowledge", None if acknowledged else row.acknowledge_by),
        ("Resolve", row.resolve_by),
        ("Regulatory", row.regulatory_deadline),
    ]
    return {
        "id": row.id,
        "tier": row.tier,
        "title": row.title,
        "team": row.team,
        "owner": config_names.get(row.owner, row.owner) if row.owner else None,
        "status": row.status,
        "since": _iso(row.received_at),
        "deadlines": [
            {"label": label, "at": _iso(at), "nearest": at is not None and at == nearest}
            for label, at in deadlines
        ],
        "acknowledgeable": row.status != Status.ACKNOWLEDGED.value,
    }


def _with_query(path: str, query: str) -> str:
    return f"{path}?{query}" if query else path


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


async def _rows(
    sessions: Sessions, person: ConsolePerson, filters: QueueFilters
) -> tuple[list[dict[str, Any]], bool]:
    rows, more = await queue_page(sessions, filters, person.person, person.visibility)
    names = {p.id: p.name for p in person.config.people}
    return [row_view(row, names) for row in rows], more


def _filters(request: Request, person: ConsolePerson) -> QueueFilters:
    return parse_filters(dict(request.query_params), person.config.teams_by_id)


async def render_queue(
    request: Request,
    person: ConsolePerson,
    sessions: Sessions,
    filters: QueueFilters,
    *,
    notice: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    """Render the queue page (also after a failed action: ``error`` and a 4xx ``status``)."""
    rows, more = await _rows(sessions, person, filters)
    context = {
        "title": "Queue",
        "active": "queue",
        "filters": filters,
        "rows": rows,
        "more": more,
        "notice": notice,
        "error": error,
        "rows_url": _with_query("/console/queue/rows", query_string(filters)),
        "back": _with_query("/console", query_string(filters)),
        "previous": query_string(filters, page=filters.page - 1) if filters.page > 1 else None,
        "next": query_string(filters, page=filters.page + 1) if more else None,
        "choices": _choices(person),
        "may_act": person.may_act,
    }
    return page(request, "queue.html", context, status=status)


def _choices(person: ConsolePerson) -> dict[str, list[str]]:
    return {
        "team": sorted(person.config.teams_by_id),
        "tier": list(TIERS),
        "status": list(OPEN_STATUSES),
        "policy_area": list(POLICY_AREAS),
    }


@router.get("")
async def queue(
    request: Request,
    person: Person,
    sessions: SessionsDep,
    team: Filter = None,
    tier: Filter = None,
    status: Filter = None,
    mine: Filter = None,
    policy_area: Filter = None,
    source: Filter = None,
    q: Filter = None,
    page: Filter = None,
    done: Filter = None,
) -> HTMLResponse:
    """The queue: open escalations by urgency, with filters, search and live countdowns."""
    try:
        filters = _filters(request, person)
    except FilterError as exc:
        return await render_queue(
            request, person, sessions, QueueFilters(), error=f"Filter {exc}", status=400
        )
    return await render_queue(request, person, sessions, filters, notice=DONE.get(done or ""))


@router.get("/queue/rows")
async def queue_rows(
    request: Request,
    person: Person,
    sessions: SessionsDep,
    team: Filter = None,
    tier: Filter = None,
    status: Filter = None,
    mine: Filter = None,
    policy_area: Filter = None,
    source: Filter = None,
    q: Filter = None,
    page: Filter = None,
) -> HTMLResponse:
    """The rows of the queue (a ``<tbody>``), which ``static/queue.js`` swaps in."""
    try:
        filters = _filters(request, person)
    except FilterError as exc:
        return fragment("_error_rows.html", {"message": f"Filter {exc}"}, status=400)
    rows, _more = await _rows(sessions, person, filters)
    context = {
        "rows": rows,
        "filters": filters,
        "back": _with_query("/console", query_string(filters)),
        "csrf_token": person.csrf_token,
        "may_act": person.may_act,
    }
    return fragment("_queue_rows.html", context)

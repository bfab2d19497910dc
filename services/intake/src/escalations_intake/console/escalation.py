"""The escalation page ``/console/escalations/{id}`` and its live block ``.../live``.

Everything the desk needs about one escalation: tier, score and every reason; deadlines
with countdowns and the regulatory regime; team, owner and level; the matched routing rule
and the assignment decision record; the history, updates; merged reports and linked
re-fires; the notifier's deliveries; its followers (``followers``); and the actions the
person may do. Its content is the read API's (``views.to_view``), so a sensitive
escalation stays hidden until the person posts the reveal form (``actions.reveal``), which
shows it in that one answer only. An escalation the person may not see is the console's
404 page, as a missing one. ``static/escalation.js`` fetches the live block every 3 s, so
what the router applies appears without a reload
(docs/console.md, "Escalation page").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from escalations_intake.auth.access_rules import Refusal
from escalations_intake.console.escalation_data import (
    Loaded,
    deliveries_of,
    facts_of,
    load_visible,
)
from escalations_intake.console.escalation_view import (
    DONE,
    RESOLUTIONS,
    allowed_actions,
    deliveries_view,
    page_view,
)
from escalations_intake.console.followers_data import followers_context
from escalations_intake.console.followers_view import DONE as FOLLOWERS_DONE
from escalations_intake.console.people import ConsolePerson, Person
from escalations_intake.console.render import error_page, fragment, page, printable
from escalations_intake.console.updates_view import AUDIENCES, may_post, updates_view
from escalations_intake.db import Sessions
from escalations_intake.db.updates import updates_of
from escalations_intake.http.deps import SessionsDep
from escalations_intake.views import to_view

router = APIRouter(prefix="/console/escalations", include_in_schema=False)
Done = Annotated[str | None, Query(max_length=40)]


def path_of(escalation_id: str) -> str:
    """Return the page's path (where its forms come back to)."""
    return f"/console/escalations/{escalation_id}"


async def _context(
    person: ConsolePerson, sessions: Sessions, found: Loaded, *, revealed: bool
) -> dict[str, Any]:
    row = found.row
    updates = await updates_of(sessions, row.id)
    view = to_view(row, found.history, revealed=revealed, updates=updates)
    config = person.config
    names = {p.id: p.name for p in config.people}
    esc = page_view(
        view,
        received_at=row.received_at,
        acknowledged_at=row.acknowledged_at,
        names=names,
        team_names={t.id: t.name for t in config.teams},
    )
    lines, more = await deliveries_of(sessions, row.id)
    allowed = allowed_actions(config, person.roles, person.may_act, facts_of(row), row.status)
    return {
        "esc": esc,
        "deliveries": deliveries_view(lines),
        "more_deliveries": more,
        "allowed": allowed,
        "updates": updates_view(view.updates, names),
        "may_update": may_post(config, person.roles, person.may_act, facts_of(row), row.status),
        "audiences": AUDIENCES,
        "revealed": revealed,
        "back": path_of(row.id),
    }


def refused(request: Request, refusal: Refusal) -> HTMLResponse:
    """Return the console's page for a refusal (404: identical to a missing escalation)."""
    title = "Not found" if refusal.status == 404 else "Forbidden"
    return error_page(request, refusal.status, title, refusal.detail)


async def render_escalation(
    request: Request,
    person: ConsolePerson,
    sessions: Sessions,
    escalation_id: str,
    *,
    revealed: bool = False,
    notice: str | None = None,
    error: str | None = None,
    status: int = 200,
    form: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render the page (after a failed action too: ``error``, a 4xx ``status``, ``form``)."""
    found = await load_visible(sessions, person, escalation_id)
    if isinstance(found, Refusal):
        return refused(request, found)
    context = await _context(person, sessions, found, revealed=revealed)
    context.update(await followers_context(person, sessions, found.row))
    context.update(
        {
            "title": printable(context["esc"]["title"]),  # as the view shows it (redacted)
            "active": "queue",
            "notice": notice,
            "error": error,
            "form": dict(form or {}),
            "resolutions": RESOLUTIONS,
        }
    )
    return page(request, "escalation.html", context, status=status)


@router.get("/{escalation_id}")
async def escalation(
    request: Request,
    escalation_id: str,
    person: Person,
    sessions: SessionsDep,
    done: Done = None,
) -> HTMLResponse:
    """One escalation: priority, deadlines, routing, assignment, history, deliveries, actions."""
    notice = DONE.get(done or "") or FOLLOWERS_DONE.get(done or "")
    return await render_escalation(request, person, sessions, escalation_id, notice=notice)


@router.get("/{escalation_id}/live")
async def live(
    request: Request, escalation_id: str, person: Person, sessions: SessionsDep
) -> HTMLResponse:
    """The page's live block (status, deadlines, history, deliveries), content hidden."""
    found = await load_visible(sessions, person, escalation_id)
    if isinstance(found, Refusal):
        return fragment("_escalation_gone.html", {"message": found.detail}, status=found.status)
    context = await _context(person, sessions, found, revealed=False)
    return fragment("_escalation_live.html", context)

"""The Handoffs page ``/console/handoffs?team=`` and its "Leave a note for the next shift" form.

For the people who may read a team's handoff notes (its schedule, its leads, admins;
``handoff_notes.write``, docs/contract/access.md): the latest handoff packet the router sent
(``shift_handoffs``), the earlier ones, and the notes left since, which the next packet
carries. The form posts the API's own route (``resources.handoff_notes.leave_note``), so
the note, its checks and its audit entry are those of ``POST /v1/teams/{team}/handoff-notes``;
success is a 303 back to the page with ``done=``, a refusal or a bad field the page again
with the error and what was typed (docs/console.md, "Handoffs").
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.responses import Response

from escalations.contracts.stakeholders import HandoffNote, ShiftHandoff
from escalations.core.access import Action
from escalations.core.config_types import suggest, zone
from escalations_intake.auth.access_rules import Refusal, on_team
from escalations_intake.console.forms import FormError, field, form_fields
from escalations_intake.console.handoffs_view import (
    DONE,
    chosen_team,
    handoff_teams,
    note_view,
    packet_view,
)
from escalations_intake.console.oncall_week import team_zone
from escalations_intake.console.page_forms import after
from escalations_intake.console.people import ConsolePerson, Person
from escalations_intake.console.render import error_page, page
from escalations_intake.db import Sessions
from escalations_intake.db import handoff_notes as note_store
from escalations_intake.db import handoffs as handoff_store
from escalations_intake.http.deps import SessionsDep
from escalations_intake.http.problems import Problem
from escalations_intake.resources.handoff_notes import (
    NOTE_MAX,
    SHOWN_BY_DEFAULT,
    NoteBody,
    leave_note,
)

router = APIRouter(prefix="/console/handoffs", include_in_schema=False)
EARLIER_SHOWN = 10
NOTES_SHOWN = 50
NO_TEAM = (
    "Handoffs are for a team's on-call people, its leads and admins: you are on no team's "
    "schedule and lead none."
)
TeamParam = Annotated[str | None, Query(max_length=64)]
TeamPath = Annotated[str, Path(max_length=64)]
Done = Annotated[str | None, Query(max_length=40)]


def page_path(team: str) -> str:
    """Return the page's path for a team (where its form comes back to)."""
    return f"/console/handoffs?{urlencode({'team': team})}"


def refusal_on(person: ConsolePerson, team: str) -> Refusal | None:
    """Return why the person may not open the team's handoffs (404 unknown, 403), or None."""
    if team not in person.config.teams_by_id:
        hint = suggest(team, person.config.teams_by_id)
        return Refusal(404, f"team: no team '{team}' in the configuration{hint}")
    return on_team(person.roles, Action.HANDOFF_NOTES, team)


async def _context(person: ConsolePerson, sessions: Sessions, team: str) -> dict[str, Any]:
    """Read the team's latest handoffs and the notes left since; return the page's data."""
    config = person.config
    tz = zone(team_zone(config.teams_by_id[team]))
    names = {p.id: p.name for p in config.people}
    rows = await handoff_store.latest(sessions, team, EARLIER_SHOWN + 1)
    packets = [ShiftHandoff.model_validate(r.packet) for r in rows]
    since = packets[0].at if packets else datetime.now(UTC) - SHOWN_BY_DEFAULT
    notes = await note_store.recent(sessions, team, since, NOTES_SHOWN)
    return {
        "team": team,
        "team_name": config.teams_by_id[team].name,
        "zone": tz.key,
        "latest": packet_view(packets[0], names, tz) if packets else None,
        "earlier": [packet_view(p, names, tz) for p in packets[1:]],
        "notes": [
            note_view(HandoffNote(id=n.id, by=n.by, text=n.text, at=n.at), names, tz) for n in notes
        ],
        "may_note": person.may_act,
        "back": page_path(team),
    }


async def render_handoffs(
    request: Request,
    person: ConsolePerson,
    sessions: Sessions,
    asked: str | None,
    *,
    notice: str | None = None,
    error: str | None = None,
    status: int = 200,
    form: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render the page for the team asked for (after a failed note too: ``error``, ``form``)."""
    teams = handoff_teams(person.config, person.roles)
    team = chosen_team(asked, teams)
    base: dict[str, Any] = {"title": "Handoffs", "active": "handoffs", "teams": teams}
    if team is None:
        empty = {**base, "no_team": NO_TEAM, "team": None, "notice": None, "error": None}
        return page(request, "handoffs.html", empty)
    refusal = refusal_on(person, team)
    if refusal is not None:
        title = "Not found" if refusal.status == 404 else "Forbidden"
        return error_page(request, refusal.status, title, refusal.detail)
    context = await _context(person, sessions, team)
    context.update(
        {**base, "no_team": None, "notice": notice, "error": error, "form": dict(form or {})}
    )
    return page(request, "handoffs.html", context, status=status)


@router.get("")
async def handoffs(
    request: Request,
    person: Person,
    sessions: SessionsDep,
    team: TeamParam = None,
    done: Done = None,
) -> HTMLResponse:
    """A team's latest handoff packet, the earlier ones, and the notes for the next shift."""
    notice = DONE.get(done or "")
    return await render_handoffs(request, person, sessions, team, notice=notice)


def note_body(fields: Mapping[str, str]) -> NoteBody:
    """Return the API's body of the note form, or raise ``FormError`` naming ``text``."""
    text = field(fields, "text", NOTE_MAX)
    try:
        return NoteBody.model_validate({"text": text})
    except ValidationError as exc:
        raise FormError("text", str(exc.errors()[0]["msg"])) from exc


@router.post("/{team}/notes")
async def leave_a_note(
    request: Request, team: TeamPath, person: Person, sessions: SessionsDep
) -> Response:
    """Leave a note for the team's next shift, as ``POST /v1/teams/{team}/handoff-notes``."""
    refusal = refusal_on(person, team)
    if refusal is not None:
        title = "Not found" if refusal.status == 404 else "Forbidden"
        return error_page(request, refusal.status, title, refusal.detail)
    if not person.may_act:
        refusal = Refusal(403, f"'{person.person}' may only read here (no escalations:act)")
    fields: Mapping[str, str] = {}
    try:
        fields = await form_fields(request)
        if refusal is None:
            body = note_body(fields)
            await leave_note(team, body, person.principal, request, person.config, sessions)
    except FormError as exc:
        refusal = Refusal(400 if exc.name == "form" else 422, str(exc))
    except Problem as exc:
        refusal = Refusal(exc.status, exc.detail)
    if refusal is not None:
        return await render_handoffs(
            request,
            person,
            sessions,
            team,
            error=refusal.detail,
            status=refusal.status,
            form=fields,
        )
    return after(page_path(team), "noted")

"""Console forms that post a status update or a note on an escalation.

"Post an update" (an audience and the text) and "Add a note" (the text, for the owning
team) post the API's own command (``resources.updates``: ``update_command`` and
``audited_update``), so the audit log and the history are the same as through
``POST /v1/escalations/{id}/updates``. They check what that route checks: the scope, then
need-to-know and the matrix through ``auth.access_rules.on_escalation`` (the owner and the
people it paged may post whatever their team), an escalation the person may not see being
the console's 404. Success is a 303 back to the page with ``done=``; a refusal or a bad
field re-renders the page with the error and what was typed (docs/console.md,
"Escalation page").
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from escalations.contracts.updates import UPDATE_TEXT_MAX, Audience
from escalations.core.access import Action
from escalations_intake.console.forms import FormError, field
from escalations_intake.console.page_forms import post_from_page
from escalations_intake.console.people import ConsolePerson, Person
from escalations_intake.db import Sessions
from escalations_intake.http.deps import ActDep, SessionsDep
from escalations_intake.resources.updates import UpdateBody, audited_update, update_command

router = APIRouter(prefix="/console/escalations", include_in_schema=False)
NOTE_FIELD = "note_text"  # not ``note``: the resolve form's field keeps its own value


def update_body(fields: Mapping[str, str], *, note: bool) -> UpdateBody:
    """Return the API's body of the update or note form, or raise ``FormError`` naming a field.

    A note is an update for the audience ``team`` (docs/contract/http-api.md, "Status
    updates"); its text is the ``note_text`` field.
    """
    name = NOTE_FIELD if note else "text"
    audience = Audience.TEAM.value if note else field(fields, "audience", 20)
    text = field(fields, name, UPDATE_TEXT_MAX)
    try:
        return UpdateBody.model_validate({"audience": audience, "text": text})
    except ValidationError as exc:
        error = exc.errors()[0]
        where = str(error["loc"][0]) if error["loc"] else "form"
        label = name if where == "text" else where
        raise FormError(label, str(error["msg"])) from exc


async def _post(
    request: Request,
    person: ConsolePerson,
    sessions: Sessions,
    act: ActDep,
    escalation_id: str,
    *,
    note: bool,
) -> Response:
    """Check, build and publish an update from the page; PRG back to it."""

    async def run(fields: Mapping[str, str]) -> None:
        body = update_body(fields, note=note)
        payload = update_command(
            escalation_id, person.person, person.principal.source, body.audience, body.text
        )
        await audited_update(request, person.principal, act, payload)(None)

    done = "noted" if note else "updated"
    action = Action.ESCALATIONS_ACT
    return await post_from_page(
        request, person, sessions, escalation_id, action, run, done, involved=True
    )


@router.post("/{escalation_id}/updates")
async def post_update(
    request: Request, escalation_id: str, person: Person, sessions: SessionsDep, act: ActDep
) -> Response:
    """Post an update for the chosen audience from the escalation page."""
    return await _post(request, person, sessions, act, escalation_id, note=False)


@router.post("/{escalation_id}/notes")
async def add_note(
    request: Request, escalation_id: str, person: Person, sessions: SessionsDep, act: ActDep
) -> Response:
    """Add a note (an update for the owning team) from the escalation page."""
    return await _post(request, person, sessions, act, escalation_id, note=True)

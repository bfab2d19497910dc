"""One form posted from the escalation page, checked, run, and answered (docs/console.md).

The escalation page's forms (resolve, reassign, post an update, add a note) share this:
the API's checks (need-to-know first, then the matrix, then the `escalations:act` scope),
the form read once, the command built and run by the caller, then a 303 back to the page
with ``done=``, or the page again with the refusal or the field the API would refuse, and
what was typed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from fastapi import Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from escalations.core.access import Action
from escalations_intake.auth.access_rules import Refusal
from escalations_intake.console.escalation import path_of, refused, render_escalation
from escalations_intake.console.escalation_data import load_row, refusal_on
from escalations_intake.console.forms import FormError, form_fields
from escalations_intake.console.people import ConsolePerson
from escalations_intake.db import Sessions
from escalations_intake.http.problems import Problem
from escalations_intake.identity.return_to import console_path


def after(back: str, done: str) -> RedirectResponse:
    """Return the 303 back to the page the form came from, saying what was done."""
    target = console_path(back) or "/console"
    joiner = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{joiner}done={done}", status_code=303)


Run = Callable[[Mapping[str, str]], Awaitable[None]]
"""Build the command from the form's fields and run it; raise ``FormError`` or ``Problem``."""


async def post_from_page(
    request: Request,
    person: ConsolePerson,
    sessions: Sessions,
    escalation_id: str,
    action: Action,
    run: Run,
    done: str,
    *,
    involved: bool = False,
) -> Response:
    """Check the person may do ``action``, then ``run`` the form; PRG back to the page.

    ``involved``: the escalation's owner and the people it paged may do it whatever their
    team (acknowledge, updates: docs/contract/access.md).
    """
    row = await load_row(sessions, escalation_id)
    refusal = refusal_on(person, row, escalation_id, action, acknowledging=involved)
    if refusal is not None and refusal.status == 404:
        return refused(request, refusal)
    if refusal is None and not person.may_act:
        refusal = Refusal(403, f"'{person.person}' may only read here (no escalations:act)")
    fields: Mapping[str, str] = {}
    try:
        fields = await form_fields(request)
    except FormError as exc:  # not a form: nothing to keep or build
        refusal = refusal or Refusal(400, str(exc))
    try:
        if refusal is None:
            await run(fields)
    except FormError as exc:  # a field the API would refuse in a body
        refusal = Refusal(422, str(exc))
    except Problem as exc:
        refusal = Refusal(exc.status, exc.detail)
    return await answer(request, person, sessions, escalation_id, refusal, fields, done)


async def answer(
    request: Request,
    person: ConsolePerson,
    sessions: Sessions,
    escalation_id: str,
    refusal: Refusal | None,
    fields: Mapping[str, str],
    done: str,
) -> Response:
    """Return the page again with the refusal and what was typed, or the 303 back to it."""
    if refusal is not None:
        return await render_escalation(
            request,
            person,
            sessions,
            escalation_id,
            error=refusal.detail,
            status=refusal.status,
            form=fields,
        )
    return after(path_of(escalation_id), done)

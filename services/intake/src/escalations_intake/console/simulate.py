"""The simulate page ``/console/simulate``: a form for an escalation, and what would happen.

The answer is exactly ``POST /v1/simulate``'s: the route validates the form as the API's
``SimulateRequest`` and calls the API's handler (``resources/simulate.py``) with the
person's principal, so the live state, the need-to-know narrowing of the load and the
result are the API's own. Nothing is stored or published. Validation errors are shown next
to the fields they name (docs/console.md, "Simulate").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from escalations.core.access import Action
from escalations_intake.auth.access_rules import on_team
from escalations_intake.auth.principal import Scope
from escalations_intake.console.forms import FormError, form_fields
from escalations_intake.console.people import ConsolePerson, Person
from escalations_intake.console.render import error_page, page
from escalations_intake.console.simulate_form import (
    CHOICES,
    SIGNAL_PREFIX,
    SIGNALS,
    body_of,
    field_errors,
    form_error,
)
from escalations_intake.console.simulate_view import result_view
from escalations_intake.http.deps import EngineDep, SessionsDep
from escalations_intake.resources.simulate import SimulateRequest, simulate_escalation

router = APIRouter(prefix="/console", include_in_schema=False)


def _refusal(request: Request, person: ConsolePerson) -> HTMLResponse | None:
    """Return the 403 page unless the person may simulate as the API allows."""
    refused = on_team(person.roles, Action.SCHEDULES_READ, None)
    if refused is not None:
        return error_page(request, refused.status, "Forbidden", refused.detail)
    if Scope.READ not in person.principal.scopes:
        why = f"Simulating needs the '{Scope.READ.value}' scope, which this token lacks."
        return error_page(request, 403, "Forbidden", why)
    return None


def _render(
    request: Request,
    values: Mapping[str, str],
    *,
    errors: Mapping[str, str] | None = None,
    result: Mapping[str, Any] | None = None,
    narrowed: bool = False,
    status: int = 200,
) -> HTMLResponse:
    context = {
        "title": "Simulate",
        "active": "simulate",
        "values": dict(values),
        "errors": dict(errors or {}),
        "result": result,
        "narrowed": narrowed,
        "choices": CHOICES,
        "signals": [(SIGNAL_PREFIX + flag, label) for flag, label in SIGNALS],
    }
    return page(request, "simulate.html", context, status=status)


@router.get("/simulate")
async def simulate_form(request: Request, person: Person) -> HTMLResponse:
    """The empty form (graphic and other signals unchecked, the API's defaults)."""
    refused = _refusal(request, person)
    return refused or _render(request, {})


@router.post("/simulate")
async def simulate_submit(
    request: Request, person: Person, engine: EngineDep, sessions: SessionsDep
) -> HTMLResponse:
    """Answer the form with ``POST /v1/simulate``'s result, or the form with its errors."""
    refused = _refusal(request, person)
    if refused is not None:
        return refused
    try:
        fields = await form_fields(request)
        body, errors = body_of(fields)
    except FormError as exc:
        return _render(request, {}, errors=form_error(exc), status=400)
    shown = {name: value for name, value in fields.items() if name != "csrf_token"}
    if errors:
        return _render(request, shown, errors=errors, status=422)
    try:
        simulation = SimulateRequest.model_validate(body)
    except ValidationError as exc:
        said = field_errors(exc.errors(include_url=False, include_input=False))
        return _render(request, shown, errors=said, status=422)
    answer = await simulate_escalation(
        body=simulation,
        principal=person.principal,
        request=request,
        config=person.config,
        engine=engine,
        sessions=sessions,
    )
    view = result_view(answer, person.config)
    return _render(request, shown, result=view, narrowed=person.visibility is not None)

"""Console actions: forms that post the same commands as the API.

Acknowledge (from the queue and the escalation page); resolve, reassign and reveal (from
the escalation page, whose refusals re-render that page).

Each action checks exactly what the API's route checks (the scope, then roles and
need-to-know through ``auth.access_rules.on_escalation``: an escalation the person may not
see is the console's 404), then runs the API's command (``commands.act.RequestAction``)
wrapped by ``http.audit.audited``, so the audit log and the history are the same as through
the API. Success is a 303 back to ``back`` (a console path) with ``done=<action>``; a
refusal re-renders the page with the error (docs/console.md, "Actions").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from starlette.responses import Response

from escalations.contracts.events import AcknowledgeRequested, RevealRequested
from escalations.core.access import Action
from escalations.core.sensitivity import stored_sensitive
from escalations.db.models import EscalationRow
from escalations_intake.auth.access_rules import (
    EscalationFacts,
    Refusal,
    not_found,
    on_escalation,
)
from escalations_intake.auth.principal import Scope
from escalations_intake.commands.act import CommandAccepted
from escalations_intake.commands.publish import Publisher
from escalations_intake.console.escalation import path_of, refused, render_escalation
from escalations_intake.console.escalation_data import load_row, refusal_on
from escalations_intake.console.escalation_forms import (
    Actor,
    reassign_command,
    resolve_command,
)
from escalations_intake.console.forms import FormError, field, form_fields
from escalations_intake.console.page_forms import after, post_from_page
from escalations_intake.console.people import ConsolePerson, Person
from escalations_intake.console.queue import render_queue
from escalations_intake.console.queue_filters import FilterError, QueueFilters, parse_filters
from escalations_intake.console.render import error_page
from escalations_intake.db import Sessions
from escalations_intake.http.audit import audited
from escalations_intake.http.deps import ActDep, PublisherDep, SessionsDep
from escalations_intake.http.problems import Problem
from escalations_intake.identity.return_to import console_path

router = APIRouter(prefix="/console/escalations", include_in_schema=False)


def facts_of(row: EscalationRow | None) -> EscalationFacts | None:
    """Return what need-to-know and the matrix read of a stored escalation."""
    if row is None:
        return None
    paged = (row.assignment or {}).get("paged") or []
    return EscalationFacts(row.id, row.team, row.policy_area, row.owner, tuple(map(str, paged)))


async def refusal_of(
    sessions: Sessions, person: ConsolePerson, escalation_id: str, *, acknowledging: bool
) -> Refusal | None:
    """Return why the person may not act on the escalation (404 or 403), or None."""
    async with sessions() as session:
        row = await session.get(EscalationRow, escalation_id)
    refusal = on_escalation(
        person.config,
        person.roles,
        Action.ESCALATIONS_ACT,
        facts_of(row),
        escalation_id,
        acknowledging=acknowledging,
    )
    if refusal is None and Scope.ACT not in person.principal.scopes:
        return Refusal(403, f"'{person.person}' may only read here (no escalations:act)")
    return refusal


async def failed(
    request: Request, person: ConsolePerson, sessions: Sessions, back: str, refusal: Refusal
) -> HTMLResponse:
    """Re-render the page the form came from with the refusal (the queue or an escalation)."""
    target = console_path(back) or "/console"
    path, _, query = target.partition("?")
    page_of = path.removeprefix(path_of(""))
    if page_of != path and page_of and "/" not in page_of:
        if refusal.status == 404:
            return refused(request, refusal)
        return await render_escalation(
            request, person, sessions, page_of, error=refusal.detail, status=refusal.status
        )
    if path != "/console":
        return error_page(request, refusal.status, "Not done", refusal.detail)
    try:
        filters = parse_filters(dict(parse_qsl(query)), person.config.teams_by_id)
    except FilterError:
        filters = QueueFilters()
    return await render_queue(
        request, person, sessions, filters, error=refusal.detail, status=refusal.status
    )


async def run_command(
    request: Request,
    person: ConsolePerson,
    act: ActDep,
    escalation_id: str,
    name: str,
    payload: BaseModel,
) -> None:
    """Publish the command as the API does, with the same audit entry."""
    detail = payload.model_dump(include={"by", "to", "resolution"}, mode="json")

    def run(event_id: str | None) -> Awaitable[CommandAccepted]:
        return act(escalation_id, payload, name, event_id)

    principal = person.principal
    action = f"escalation.{name}"
    await audited(request, principal, action, "escalation", run, lambda _: (escalation_id, detail))(
        None
    )


@router.post("/{escalation_id}/acknowledge")
async def acknowledge(
    request: Request,
    escalation_id: str,
    person: Person,
    sessions: SessionsDep,
    act: ActDep,
) -> Response:
    """Acknowledge from a console form, then go back to the page it came from."""
    try:
        back = field(await form_fields(request), "back", 600, "/console")
    except FormError as exc:
        return error_page(request, 400, "Invalid form", str(exc))
    refusal = await refusal_of(sessions, person, escalation_id, acknowledging=True)
    if refusal is not None:
        return await failed(request, person, sessions, back, refusal)
    payload = AcknowledgeRequested(
        escalation_id=escalation_id,
        by=person.person,
        source=person.principal.source,
        requested_at=datetime.now(UTC),
    )
    try:
        await run_command(request, person, act, escalation_id, "acknowledge", payload)
    except Problem as exc:
        return await failed(request, person, sessions, back, Refusal(exc.status, exc.detail))
    return after(back, "acknowledged")


# The escalation page's actions (docs/console.md, "Escalation page"): the same commands and
# checks as the API's resolve, reassign and reveal; a refusal re-renders that page.
Build = Callable[[Mapping[str, str], str, Actor], BaseModel]


async def _from_page(
    request: Request,
    person: ConsolePerson,
    sessions: Sessions,
    act: ActDep,
    escalation_id: str,
    command: tuple[str, str, Action],
    build: Build,
) -> Response:
    """Check, build and run one command posted from the escalation page; PRG back to it."""
    name, done, action = command

    async def run(fields: Mapping[str, str]) -> None:
        actor = Actor(person.person, person.principal.source, datetime.now(UTC))
        payload = build(fields, escalation_id, actor)
        await run_command(request, person, act, escalation_id, name, payload)

    return await post_from_page(request, person, sessions, escalation_id, action, run, done)


@router.post("/{escalation_id}/resolve")
async def resolve(
    request: Request, escalation_id: str, person: Person, sessions: SessionsDep, act: ActDep
) -> Response:
    """Resolve from the escalation page (resolution and an optional note)."""
    command = ("resolve", "resolved", Action.ESCALATIONS_ACT)
    return await _from_page(request, person, sessions, act, escalation_id, command, resolve_command)


@router.post("/{escalation_id}/reassign")
async def reassign(
    request: Request, escalation_id: str, person: Person, sessions: SessionsDep, act: ActDep
) -> Response:
    """Reassign from the escalation page (a suggested person or a typed id, and why)."""
    known = person.config.people_by_id

    def build(fields: Mapping[str, str], esc_id: str, actor: Actor) -> BaseModel:
        return reassign_command(fields, esc_id, actor, known)

    command = ("reassign", "reassigned", Action.ESCALATIONS_REASSIGN)
    return await _from_page(request, person, sessions, act, escalation_id, command, build)


@router.post("/{escalation_id}/reveal")
async def reveal(
    request: Request,
    escalation_id: str,
    person: Person,
    sessions: SessionsDep,
    publisher: PublisherDep,
) -> Response:
    """Show a sensitive escalation's content in this answer only, as the API's reveal does.

    Published for the router to count toward the person's graphic exposure, and audited
    once (``escalation.reveal``), exactly as ``POST /v1/escalations/{id}/reveal``; an
    escalation whose content was never hidden is an ordinary read.
    """
    row = await load_row(sessions, escalation_id)
    refusal = refusal_on(person, row, escalation_id, Action.ESCALATIONS_READ)
    if refusal is not None or row is None:
        return refused(request, refusal or not_found(escalation_id))
    if Scope.READ not in person.principal.scopes:
        why = f"'{person.person}' may not read here (no escalations:read)"
        return await render_escalation(
            request, person, sessions, escalation_id, error=why, status=403
        )
    if stored_sensitive(row.policy_area, row.request):  # as ``views.to_view`` decides it
        await _count_reveal(request, person, publisher, escalation_id)
    return await render_escalation(request, person, sessions, escalation_id, revealed=True)


async def _count_reveal(
    request: Request, person: ConsolePerson, publisher: Publisher, escalation_id: str
) -> None:
    """Publish the reveal for the router and audit it, as ``resources/reveal.py`` does."""

    async def publish(event_id: str | None) -> str:
        payload = RevealRequested(
            escalation_id=escalation_id,
            by=person.person,
            source=person.principal.source,
            requested_at=datetime.now(UTC),
        )
        await publisher.publish(payload, escalation_id, event_id)
        return escalation_id

    detail = {"by": person.person}
    run = audited(
        request,
        person.principal,
        "escalation.reveal",
        "escalation",
        publish,
        lambda _: (escalation_id, detail),
    )
    await run(None)

"""Escalations: create, read and list (the act commands are in ``resources.act``).

People see what need-to-know lets them (docs/contract/access.md): the guard answers ``404``
for an escalation hidden from them (``auth.access``), and a list leaves those out in SQL.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, Response

from escalations.contracts.events import Status
from escalations.core.escalation import EscalationIn, Tier
from escalations_intake.auth.access import loaded_escalation, person_visibility
from escalations_intake.auth.guard import Reader, Writer
from escalations_intake.db import cursors
from escalations_intake.db.escalations import escalation_page, escalation_with_history, history_of
from escalations_intake.db.updates import updates_of
from escalations_intake.http.bodies import as_core
from escalations_intake.http.deps import CreateDep, IdempotencyDep, SessionsDep
from escalations_intake.http.idempotent import IdempotencyKey, accept
from escalations_intake.http.problems import Problem
from escalations_intake.openapi.errors import READ_ERRORS, WRITE_ERRORS, errors
from escalations_intake.openapi.examples import ESCALATION_EXAMPLES
from escalations_intake.views import Accepted, EscalationPage, EscalationView, to_view

router = APIRouter(prefix="/v1/escalations", tags=["escalations"])
Limited = Annotated[str, Query(min_length=1, max_length=100)]


@router.post(
    "",
    status_code=202,
    response_model=Accepted,
    responses=errors(*WRITE_ERRORS),
    summary="Create an escalation",
)
async def create(
    body: Annotated[EscalationIn, Body(openapi_examples=ESCALATION_EXAMPLES)],
    principal: Writer,
    request: Request,
    command: CreateDep,
    idempotency: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Accept an escalation; `202` once the event broker has it (`acks=all`).

    The id is derived from `(source, external_id)`: a repeat while the escalation is open
    returns the same id with `duplicate: true` and counts as an extra report. Once it is
    resolved, a repeat opens a new escalation that follows it: a new `id`, `duplicate:
    false` and `follows` naming the resolved one. A retry of the same body from the same
    source within the retry window (10 min; e.g. after a `503`, when the first attempt may
    have been stored) is recognised and never counted as a second report; without an
    `external_id` the id is derived from the body and the window, so the retry gets the
    same id. Needs scope `escalations:write`.
    """
    return await accept(
        idempotency,
        request,
        principal,
        idempotency_key,
        body,
        lambda e: command(principal, as_core(body), e),
    )


@router.get(
    "/{escalation_id}",
    response_model=EscalationView,
    responses=errors(*READ_ERRORS, 404),
    summary="Read an escalation",
)
async def read(
    escalation_id: str, _: Reader, request: Request, sessions: SessionsDep
) -> EscalationView:
    """Return the current state of one escalation with its history and decision record.

    `404` until the router has stored it (normally well under a second after the `202`),
    and for a person need-to-know hides it from. Needs scope `escalations:read`.
    """
    row = loaded_escalation(request, escalation_id)
    if row is not None:
        history = await history_of(sessions, escalation_id)
        return to_view(row, history, updates=await updates_of(sessions, escalation_id))
    found = await escalation_with_history(sessions, escalation_id)
    if found is None:
        raise Problem(404, "Not found", f"no escalation with id '{escalation_id}'")
    return to_view(*found, updates=await updates_of(sessions, escalation_id))


@router.get(
    "",
    response_model=EscalationPage,
    responses=errors(*READ_ERRORS),
    summary="List escalations",
)
async def list_escalations(
    principal: Reader,
    request: Request,
    sessions: SessionsDep,
    status: Annotated[Status | None, Query(description="Only this status")] = None,
    team: Annotated[Limited | None, Query(description="Only this team id")] = None,
    priority: Annotated[Tier | None, Query(description="Only this tier")] = None,
    owner: Annotated[Limited | None, Query(description="Only this owner (person id)")] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="Page size")] = 50,
    cursor: Annotated[
        str | None,
        Query(
            pattern=cursors.PATTERN,
            description="`next_cursor` of the previous page: a position "
            "`<created_at in µs since 1970>.<escalation id>`; the page holds what is older",
        ),
    ] = None,
) -> EscalationPage:
    """List escalations newest first, filtered, with cursor pagination.

    Follow `next_cursor` until it is `null`. A person's list leaves out the escalations
    need-to-know hides from them. Needs scope `escalations:read`.
    """
    filters = {"status": status, "team": team, "tier": priority, "owner": owner}
    seen = person_visibility(request, principal)
    page, next_cursor = await escalation_page(sessions, filters, limit, cursor, seen)
    return EscalationPage(items=[to_view(r, []) for r in page], next_cursor=next_cursor)

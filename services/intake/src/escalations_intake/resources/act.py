"""Act on an escalation: commands the router applies (it stays the single writer).

A person (personal token or session) acts as themselves: ``by`` may be left out, and naming
anyone else is refused (403). A source key acts as ``system:<source>``: naming a person in
``by`` is refused (403), and it cannot reassign (``auth.people``). Which people may act on
which escalation is checked by the guard before the route runs (``auth.access``,
docs/contract/access.md).
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from escalations.contracts.events import (
    AcknowledgeRequested,
    ReassignRequested,
    Resolution,
    ResolveRequested,
)
from escalations.core.config import Config
from escalations.core.escalation import NUL_FREE, stripped
from escalations_intake.auth.api_keys import Principal
from escalations_intake.auth.guard import Actor
from escalations_intake.auth.people import acting_as, person_only
from escalations_intake.commands.act import CommandAccepted, RequestAction
from escalations_intake.db.idempotency import IdempotencyStore
from escalations_intake.http.audit import audited
from escalations_intake.http.deps import ActDep, IdempotencyDep
from escalations_intake.http.idempotent import IdempotencyKey, accept, plain
from escalations_intake.http.problems import Problem
from escalations_intake.openapi.errors import WRITE_ERRORS, errors

router = APIRouter(prefix="/v1/escalations", tags=["act"])
PersonId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=100,
        pattern=r"^[a-z0-9][a-z0-9_.-]*$",
        description="A person id of the configuration",
        examples=["aoife"],
    ),
]
# Checked as sent, like the escalation body (``escalations.core.escalation``).
_STRICT = ConfigDict(frozen=True, extra="forbid")
_BY = Field(
    None,
    description="Who acts; leave it out. With a personal token or a session the request "
    "acts as that person: send that person or nothing (anyone else: 403). A source's API "
    "key acts as `system:<source>`: a `by` naming a person is 403",
)


class AcknowledgeBody(BaseModel):
    """Who acknowledges."""

    model_config = _STRICT
    by: PersonId | None = _BY


class ResolveBody(BaseModel):
    """Who resolves, and how."""

    model_config = _STRICT
    by: PersonId | None = _BY
    resolution: Resolution = Field(description="How the escalation was closed")
    note: (
        Annotated[
            str,
            Field(max_length=5000, description="Free text for the history"),
            NUL_FREE,
            AfterValidator(stripped),
        ]
        | None
    ) = None


class ReassignBody(BaseModel):
    """Who hands the escalation to whom, and why."""

    model_config = _STRICT
    by: PersonId | None = _BY
    to: PersonId
    reason: (
        Annotated[
            str,
            Field(max_length=2000, description="Why, for the history"),
            NUL_FREE,
            AfterValidator(stripped),
        ]
        | None
    ) = None


def known_person(config: Config, person: str, field: str) -> None:
    """Raise 422 naming ``field`` unless ``person`` is in the configuration."""
    if person not in config.people_by_id:
        raise Problem(422, "Invalid request", f"{field}: unknown person '{person}'")


async def _act(
    act: RequestAction,
    store: IdempotencyStore,
    request: Request,
    principal: Principal,
    key: str | None,
    esc_id: str,
    body: BaseModel,
    payload: BaseModel,
) -> Response:
    # Roles and need-to-know were checked by the guard (docs/contract/access.md); who is on
    # duty the router decides, and records a refusal in the history, where the team sees it.
    name = request.url.path.rsplit("/", 1)[-1]
    detail = payload.model_dump(include={"by", "to", "resolution"}, mode="json")

    def run(event_id: str | None) -> Awaitable[CommandAccepted]:
        return act(esc_id, payload, name, event_id)

    audited_run = audited(
        request, principal, f"escalation.{name}", "escalation", run, lambda _: (esc_id, detail)
    )
    return await accept(store, request, principal, key, plain(body), audited_run)


_RESPONSES = errors(*WRITE_ERRORS, 404)


@router.post(
    "/{escalation_id}/acknowledge",
    status_code=202,
    response_model=CommandAccepted,
    responses=_RESPONSES,
    summary="Acknowledge",
)
async def acknowledge(
    escalation_id: str,
    body: AcknowledgeBody,
    principal: Actor,
    request: Request,
    act: ActDep,
    store: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Ask the router to acknowledge; it stops the escalation timer.

    The router accepts it from the owner, anyone on duty for the team and the people it
    paged, and records a refusal in the history otherwise; a source key acts as
    `system:<source>`, accepted for the escalations of its own source. Needs scope
    `escalations:act`.
    """
    payload = AcknowledgeRequested(
        escalation_id=escalation_id,
        by=acting_as(principal, body.by),
        source=principal.source,
        requested_at=_now(),
    )
    return await _act(act, store, request, principal, idempotency_key, escalation_id, body, payload)


@router.post(
    "/{escalation_id}/resolve",
    status_code=202,
    response_model=CommandAccepted,
    responses=_RESPONSES,
    summary="Resolve",
)
async def resolve(
    escalation_id: str,
    body: ResolveBody,
    principal: Actor,
    request: Request,
    act: ActDep,
    store: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Ask the router to resolve the escalation.

    A source key acts as `system:<source>`, accepted for the escalations of its own source.
    Needs scope `escalations:act`.
    """
    payload = ResolveRequested(
        escalation_id=escalation_id,
        by=acting_as(principal, body.by),
        resolution=body.resolution,
        note=body.note,
        source=principal.source,
        requested_at=_now(),
    )
    return await _act(act, store, request, principal, idempotency_key, escalation_id, body, payload)


@router.post(
    "/{escalation_id}/reassign",
    status_code=202,
    response_model=CommandAccepted,
    responses=_RESPONSES,
    summary="Reassign",
)
async def reassign(
    escalation_id: str,
    body: ReassignBody,
    principal: Actor,
    request: Request,
    act: ActDep,
    store: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Ask the router to hand the escalation to another person.

    A person reassigns (a lead of the team or an admin); a source key is `403`. Needs
    `escalations:act`.
    """
    person_only(principal, "reassign")
    payload = ReassignRequested(
        escalation_id=escalation_id,
        by=acting_as(principal, body.by),
        to=body.to,
        reason=body.reason,
        source=principal.source,
        requested_at=_now(),
    )
    return await _act(act, store, request, principal, idempotency_key, escalation_id, body, payload)


def _now() -> datetime:
    return datetime.now(UTC)

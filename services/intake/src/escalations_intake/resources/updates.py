"""Post a status update on an escalation: a command the router applies and stores.

The owner (or anyone who may act on the escalation) posts an update for an audience: the
owning team (a note), stakeholders, or the requester. Updates are part of the escalation's
state (``updates`` in ``GET /v1/escalations/{id}``); the router is their single writer, so
the intake publishes ``escalation.update_requested`` and answers ``202`` once the broker
has it, as for the act commands (docs/contract/http-api.md, "Status updates"). The console
posts updates through ``update_command`` and ``audited_update`` too, so the audit log and
history are the same whichever way an update came.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from escalations.contracts.updates import UPDATE_TEXT_MAX, Audience, UpdateRequested
from escalations.core.escalation import NOT_BLANK_PATTERN, not_blank
from escalations_intake.auth.guard import Actor
from escalations_intake.auth.principal import Principal
from escalations_intake.commands.act import CommandAccepted, RequestAction
from escalations_intake.http.audit import audited
from escalations_intake.http.deps import ActDep, IdempotencyDep
from escalations_intake.http.idempotent import IdempotencyKey, accept, plain
from escalations_intake.http.problems import Problem
from escalations_intake.openapi.errors import WRITE_ERRORS, errors

router = APIRouter(prefix="/v1/escalations", tags=["act"])
ONLY_PEOPLE = "an update is a person's: sign in or use a personal token"
COMMAND = "update"
AUDIT_ACTION = "escalation.update"


class UpdateBody(BaseModel):
    """An update: for whom, and what it says."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    audience: Audience = Field(
        description="Who the update is for: `team` (a note for the owning team), "
        "`stakeholders` or `requester`"
    )
    text: Annotated[
        str,
        Field(
            min_length=1,
            max_length=UPDATE_TEXT_MAX,
            description="What the update says: 1 to 5000 characters, no NUL; leading and "
            "trailing white space is dropped, and blank text is refused",
            json_schema_extra={"pattern": NOT_BLANK_PATTERN},
        ),
        AfterValidator(not_blank),
    ]


def update_command(
    escalation_id: str, person: str, source: str, audience: Audience, text: str
) -> UpdateRequested:
    """Return the command posting ``text`` for ``audience`` as ``person``, requested now."""
    return UpdateRequested(
        escalation_id=escalation_id,
        by=person,
        audience=audience,
        text=text,
        source=source,
        requested_at=datetime.now(UTC),
    )


def audited_update(
    request: Request, principal: Principal, act: RequestAction, payload: UpdateRequested
) -> Callable[[str | None], Awaitable[CommandAccepted]]:
    """Return the publish of ``payload``, audited as ``escalation.update``.

    The audit detail names who and the audience, never the text: free text a person wrote
    stays out of the audit log (docs/contract/audit.md).
    """
    esc_id = payload.escalation_id
    detail = {"by": payload.by, "audience": payload.audience.value}

    def run(event_id: str | None) -> Awaitable[CommandAccepted]:
        return act(esc_id, payload, COMMAND, event_id)

    return audited(request, principal, AUDIT_ACTION, "escalation", run, lambda _: (esc_id, detail))


@router.post(
    "/{escalation_id}/updates",
    status_code=202,
    response_model=CommandAccepted,
    responses=errors(*WRITE_ERRORS, 404),
    summary="Post a status update",
)
async def post_update(
    escalation_id: str,
    body: UpdateBody,
    principal: Actor,
    request: Request,
    act: ActDep,
    store: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Ask the router to post an update on the escalation for an audience.

    The router stores it with the escalation (`updates` in its state), records
    `update_posted` in the history (the audience, not the text) and emits
    `escalation.update_posted`; on a resolved escalation it records `update_rejected`
    instead. A person posts (personal token or session): a source key is `403`. Those who
    act for the owning team may post, and so may the escalation's owner and the people it
    paged, whatever their team. Audited as `escalation.update`. Needs `escalations:act`.
    """
    if principal.person is None:
        raise Problem(403, "Forbidden", ONLY_PEOPLE)
    payload = update_command(
        escalation_id, principal.person, principal.source, body.audience, body.text
    )
    run = audited_update(request, principal, act, payload)
    return await accept(store, request, principal, idempotency_key, plain(body), run)

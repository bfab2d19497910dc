"""``POST /v2/enqueue`` and ``/v1/integrations/pagerduty``: a drop-in PagerDuty Events API v2.

Stock PagerDuty clients (the ``pagerduty`` and ``pdpyras`` SDKs, Alertmanager's
``pagerduty_configs``) post to ``/v2/enqueue`` with the key in the body: point their base
URL at the intake and use an API key as ``routing_key`` (a Bearer header, when sent, wins).
``trigger`` creates an escalation with ``dedup_key`` as ``external_id`` (a dedup key over
200 characters is hashed); ``acknowledge`` and ``resolve`` become commands by the system
actor ``system:<source>``, each audited once the broker has it (``commands``). Answers
are PagerDuty's: ``202`` with ``status``, ``message`` and ``dedup_key``; every error is
``{"status", "message", "errors": [...]}`` as PagerDuty documents it
(``http.problems.pagerduty_error``; docs/integrations.md).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Request
from fastapi.openapi.models import Example
from pydantic import BaseModel, Field

from escalations.contracts.events import AcknowledgeRequested, Resolution, ResolveRequested
from escalations_intake.auth.api_keys import Principal, Scope
from escalations_intake.auth.guard import authenticate, authorize, bearer
from escalations_intake.auth.people import source_only
from escalations_intake.commands.create import CreateEscalation
from escalations_intake.commands.publish import Publisher
from escalations_intake.http.deps import CreateDep, PublisherDep, SettingsDep
from escalations_intake.integrations.alertmanager import system_actor
from escalations_intake.integrations.commands import publish_audited
from escalations_intake.integrations.pagerduty_event import (
    PagerDutyEvent,
    external_id,
    to_escalation,
)
from escalations_intake.openapi.samples import PAGERDUTY_SAMPLE

PATH = "/v1/integrations/pagerduty"
ENQUEUE_PATH = "/v2/enqueue"
router = APIRouter(tags=["integrations"])
VIA = "pagerduty"  # the audit entries' ``via``
REFIRED = "Event processed: a new escalation follows the resolved one"


class PagerDutyAccepted(BaseModel):
    """PagerDuty's answer to an accepted event."""

    status: Literal["success"] = Field("success", description="Always `success`")
    message: str = Field(
        "Event processed",
        description="`Event processed`; for a trigger after the alert's escalation was "
        f"resolved, `{REFIRED}`",
    )
    dedup_key: str = Field(description="The alert's dedup key (generated for a trigger without)")
    id: str = Field(description="The escalation the event went to")
    follows: str | None = Field(
        None,
        description="Set when the trigger opened a new escalation: the resolved one it follows",
    )


class PagerDutyError(BaseModel):
    """An error, as PagerDuty's Events API v2 answers it."""

    status: str = Field(description="A short name for the error, e.g. `invalid event`")
    message: str = Field(description="What went wrong, e.g. `Event object is invalid`")
    errors: list[str] = Field(description="Each problem, naming the field")


_WHY = {
    400: "Invalid event (`Event object is invalid`) or malformed JSON",
    401: "`routing_key` (or the Bearer header) is no valid API key",
    403: "The key lacks the scope (`escalations:write` to trigger, `escalations:act` else)",
    413: "Request body over 256 KiB",
    422: "Unknown query parameter",
    429: "The source is over its rate limit; retry after `Retry-After` seconds",
    503: "The event broker or the database is unavailable; retry after `Retry-After` seconds",
}
_RETRY = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {
        "description": why,
        "model": PagerDutyError,
        **({"headers": _RETRY} if code in (429, 503) else {}),
    }
    for code, why in _WHY.items()
}


async def _command(
    request: Request,
    create: CreateEscalation,
    publisher: Publisher,
    principal: Principal,
    event: PagerDutyEvent,
    dedup: str,
) -> str:
    """Publish and audit an acknowledge or resolve event.

    PagerDuty events carry no id of their own: a retried event cannot be told from a new
    one, so each accepted event is published and audited (docs/contract/audit.md).
    """
    esc_id = await create.command_target(principal.source, external_id(dedup))
    actor, now = system_actor(principal.source), datetime.now(UTC)
    payload: AcknowledgeRequested | ResolveRequested
    if event.event_action == "acknowledge":
        payload = AcknowledgeRequested(
            escalation_id=esc_id, by=actor, source=principal.source, requested_at=now
        )
    else:
        payload = ResolveRequested(
            escalation_id=esc_id,
            by=actor,
            resolution=Resolution.ACTIONED,
            note="resolved by a PagerDuty Events v2 resolve event",
            source=principal.source,
            requested_at=now,
        )
    await publish_audited(request, principal, publisher, payload, VIA)
    return esc_id


_EXAMPLES = {"trigger": Example(summary="PagerDuty's trigger example", value=PAGERDUTY_SAMPLE)}


@router.post(
    ENQUEUE_PATH,
    status_code=202,
    response_model=PagerDutyAccepted,
    response_model_exclude_none=True,
    responses=_ERRORS,
    summary="PagerDuty Events API v2 (the path stock PagerDuty clients post to)",
)
@router.post(
    PATH,
    status_code=202,
    response_model=PagerDutyAccepted,
    response_model_exclude_none=True,
    responses=_ERRORS,
    summary="PagerDuty Events API v2",
)
async def pagerduty(
    event: Annotated[PagerDutyEvent, Body(openapi_examples=_EXAMPLES)],
    request: Request,
    create: CreateDep,
    publisher: PublisherDep,
    settings: SettingsDep,
) -> PagerDutyAccepted:
    """Accept a PagerDuty Events API v2 event (`trigger`, `acknowledge`, `resolve`).

    Authenticates with `routing_key` = an API key (or a Bearer header, which wins).
    `trigger` needs `escalations:write`; `acknowledge` and `resolve` need
    `escalations:act`. Errors are PagerDuty's `{"status", "message", "errors"}`.
    """
    principal = await authenticate(request, bearer(request) or event.routing_key)
    scope = Scope.WRITE if event.event_action == "trigger" else Scope.ACT
    source_only(principal, "the PagerDuty integration")
    authorize(request, principal, scope)
    dedup = event.dedup_key or uuid.uuid4().hex
    if event.event_action != "trigger":
        return PagerDutyAccepted(
            dedup_key=dedup,
            id=await _command(request, create, publisher, principal, event, dedup),
        )
    placed = await create.place(principal.source, external_id(dedup))
    if create.is_repeat(placed):
        return PagerDutyAccepted(dedup_key=dedup, id=placed.id)
    escalation = to_escalation(event, dedup, settings.pagerduty_default_policy_area)
    accepted = await create(principal, escalation, placed=placed)
    message = "Event processed" if accepted.follows is None else REFIRED
    return PagerDutyAccepted(
        message=message, dedup_key=dedup, id=accepted.id, follows=accepted.follows
    )

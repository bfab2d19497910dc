"""``POST /v2/enqueue`` and ``/v1/integrations/pagerduty``: a drop-in PagerDuty Events API v2.

Stock PagerDuty clients (the ``pagerduty`` and ``pdpyras`` SDKs, Alertmanager's
``pagerduty_configs``) post to ``/v2/enqueue`` with the key in the body: point their base
URL at the intake and use an API key as ``routing_key`` (a Bearer header, when sent, wins).
``trigger`` creates an escalation with ``dedup_key`` as ``external_id`` (a dedup key over
200 characters is hashed); ``acknowledge`` and ``resolve`` become commands by the system
actor ``system:<source>``. Answers are PagerDuty's: ``202`` with ``status``, ``message``
and ``dedup_key``; every error is ``{"status", "message", "errors": [...]}`` as PagerDuty
documents it (``problems.pagerduty_error``; docs/integrations.md).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Self

import orjson
from fastapi import APIRouter, Body, Request
from fastapi.openapi.models import Example
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.config import JsonDict

from escalations.contracts.events import AcknowledgeRequested, Resolution, ResolveRequested
from escalations.core.escalation import ContentRef, EscalationIn, PolicyArea, Reporter
from escalations_intake.auth import Principal, Scope, authenticate, authorize, bearer
from escalations_intake.bodies import Timestamp
from escalations_intake.bootstrap import Deps
from escalations_intake.handling import deps_of, publish
from escalations_intake.integrations_alertmanager import system_actor
from escalations_intake.integrations_alertmanager_payload import clean, clip, usable_url
from escalations_intake.routes_escalations import command_target, is_repeat, place, submit
from escalations_intake.samples import PAGERDUTY_SAMPLE

PATH = "/v1/integrations/pagerduty"
ENQUEUE_PATH = "/v2/enqueue"
router = APIRouter(tags=["integrations"])
_LENIENT = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)
# What the model validator enforces, said in the document too (JSON Schema if/then).
_NEEDS: JsonDict = {
    "allOf": [
        {
            "if": {"properties": {"event_action": {"const": "trigger"}}},
            "then": {"required": ["payload"], "properties": {"payload": {"type": "object"}}},
        },
        {
            "if": {"properties": {"event_action": {"enum": ["acknowledge", "resolve"]}}},
            "then": {"required": ["dedup_key"], "properties": {"dedup_key": {"type": "string"}}},
        },
    ]
}
Text = Annotated[str, Field(min_length=1, max_length=1024)]


class PdPayload(BaseModel):
    """The alert (required for ``trigger``)."""

    model_config = _LENIENT

    summary: Text = Field(description="Brief text summary; the escalation title (cut at 200)")
    source: Text = Field(description="Location of the affected system")
    severity: Literal["critical", "error", "warning", "info"] = Field(description="Severity")
    timestamp: Timestamp | None = Field(None, description="When it happened")
    component: Text | None = Field(None, description="Component responsible")
    group: Text | None = Field(None, description="Logical grouping")
    class_: Text | None = Field(None, alias="class", description="Class or type of the event")
    custom_details: dict[str, Any] | str | None = Field(
        None, description="Free-form details; `policy_area` and `region` keys are used"
    )


class PdLink(BaseModel):
    """A link to show with the alert."""

    model_config = _LENIENT
    href: Annotated[str, Field(min_length=1, max_length=2048)] = Field(description="URL")
    text: Text | None = Field(None, description="Link text")


class PdImage(BaseModel):
    """An image to show with the alert (accepted and ignored)."""

    model_config = _LENIENT
    src: Annotated[str, Field(min_length=1, max_length=2048)] = Field(description="Image URL")
    href: Annotated[str, Field(max_length=2048)] | None = Field(None, description="Link")
    alt: Text | None = Field(None, description="Alternative text")


class PagerDutyEvent(BaseModel):
    """A PagerDuty Events API v2 event."""

    model_config = ConfigDict(
        frozen=True, extra="ignore", populate_by_name=True, json_schema_extra=_NEEDS
    )

    routing_key: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        description="An API key of this service (unless sent as a Bearer header)"
    )
    event_action: Literal["trigger", "acknowledge", "resolve"] = Field(description="What to do")
    dedup_key: Annotated[str, Field(min_length=1, max_length=255)] | None = Field(
        None, description="Alert id; required for acknowledge and resolve, generated if absent"
    )
    payload: PdPayload | None = Field(None, description="The alert (trigger only)")
    images: Annotated[list[PdImage], Field(max_length=50)] = Field([], description="Images")
    links: Annotated[list[PdLink], Field(max_length=50)] = Field([], description="Links")
    client: Text | None = Field(None, description="Name of the sending tool")
    client_url: Annotated[str, Field(max_length=2048)] | None = Field(None, description="Its URL")

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.event_action == "trigger" and self.payload is None:
            raise ValueError("payload: required for a trigger event")
        if self.event_action != "trigger" and self.dedup_key is None:
            raise ValueError(f"dedup_key: required for an {self.event_action} event")
        return self


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


def external_id(dedup_key: str) -> str:
    """Return the escalation's external id for a dedup key (hashed when too long or odd)."""
    # An external id is at most 200 characters, not blank, without surrounding whitespace
    # or control characters; any other dedup key is hashed (stably) so it still fits.
    if len(dedup_key) <= 200 and dedup_key.strip() == dedup_key == clean(dedup_key) != "":
        return dedup_key
    return "sha256:" + hashlib.sha256(dedup_key.encode()).hexdigest()


def _policy_area(event: PdPayload, default: PolicyArea) -> PolicyArea:
    details = event.custom_details if isinstance(event.custom_details, dict) else {}
    for value in (details.get("policy_area"), event.class_):
        if isinstance(value, str) and value in PolicyArea._value2member_map_:
            return PolicyArea(value)
    return default


def to_escalation(event: PagerDutyEvent, dedup_key: str, default: PolicyArea) -> EscalationIn:
    """Map a trigger event to an escalation."""
    assert event.payload is not None  # checked by the model
    alert = event.payload
    details = alert.custom_details if isinstance(alert.custom_details, dict) else {}
    region = str(details.get("region", "")).upper()
    facts = {
        "source": alert.source,
        "severity": alert.severity,
        "component": alert.component,
        "group": alert.group,
        "class": alert.class_,
    }
    lines = [f"{k}: {v}" for k, v in facts.items() if v]
    if alert.custom_details:
        lines.append("details: " + orjson.dumps(alert.custom_details).decode())
    refs = [
        ContentRef(
            kind="link",
            id=clip(clean(link.text or "").strip() or clean(link.href).strip() or "link", 200),
            url=usable_url(link.href),
        )
        for link in event.links
    ]
    client = clean(event.client or "").strip() or "PagerDuty Events v2 client"
    return EscalationIn(
        external_id=external_id(dedup_key),
        title=clip(clean(alert.summary).strip() or "PagerDuty event", 200),
        description=clip(clean("\n".join(lines)), 20_000),
        policy_area=_policy_area(alert, default),
        region=region if len(region) == 2 and region.isalpha() and region.isascii() else None,
        content_refs=refs,
        reporter=Reporter(name=clip(client, 200)),
        occurred_at=alert.timestamp,
    )


async def _command(deps: Deps, principal: Principal, event: PagerDutyEvent, dedup: str) -> str:
    esc_id = await command_target(deps, principal.source, external_id(dedup))
    actor, now = system_actor(principal.source), datetime.now(UTC)
    payload: BaseModel
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
    await publish(deps, payload, esc_id)
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
    event: Annotated[PagerDutyEvent, Body(openapi_examples=_EXAMPLES)], request: Request
) -> PagerDutyAccepted:
    """Accept a PagerDuty Events API v2 event (`trigger`, `acknowledge`, `resolve`).

    Authenticates with `routing_key` = an API key (or a Bearer header, which wins).
    `trigger` needs `escalations:write`; `acknowledge` and `resolve` need
    `escalations:act`. Errors are PagerDuty's `{"status", "message", "errors"}`.
    """
    principal = await authenticate(request, bearer(request) or event.routing_key)
    scope = Scope.WRITE if event.event_action == "trigger" else Scope.ACT
    authorize(request, principal, scope)
    deps = deps_of(request)
    dedup = event.dedup_key or uuid.uuid4().hex
    if event.event_action != "trigger":
        return PagerDutyAccepted(dedup_key=dedup, id=await _command(deps, principal, event, dedup))
    placed = await place(deps, principal.source, external_id(dedup))
    if is_repeat(deps, placed):
        return PagerDutyAccepted(dedup_key=dedup, id=placed.id)
    escalation = to_escalation(event, dedup, deps.settings.pagerduty_default_policy_area)
    accepted = await submit(deps, principal, escalation, placed=placed)
    message = "Event processed" if accepted.follows is None else REFIRED
    return PagerDutyAccepted(
        message=message, dedup_key=dedup, id=accepted.id, follows=accepted.follows
    )

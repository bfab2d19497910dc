"""``POST /v1/integrations/alertmanager``: the Prometheus Alertmanager webhook (version 4).

Each firing alert becomes an escalation whose ``external_id`` is the alert's fingerprint;
Alertmanager repeats firing alerts, so an alert already accepted is not published again.
Each resolved alert becomes a resolve request by the system actor ``system:<source>``
(see docs/contract/http-api.md), published and audited once per firing episode
(``commands``). Labels choose the policy area and region (settings
``INTAKE_ALERTMANAGER_*``). Each alert stands alone (``alertmanager_payload``):
one invalid alert is refused in the answer, the rest of its group is accepted
(docs/integrations.md).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Request, Response
from fastapi.openapi.models import Example
from pydantic import BaseModel, Field

from escalations.contracts.events import Resolution, ResolveRequested
from escalations_intake.auth.api_keys import Principal, Scope
from escalations_intake.auth.guard import Writer
from escalations_intake.auth.people import source_only
from escalations_intake.commands.create import CreateEscalation
from escalations_intake.commands.publish import Publisher
from escalations_intake.db.idempotency import IdempotencyStore
from escalations_intake.http.deps import CreateDep, IdempotencyDep, PublisherDep, SettingsDep
from escalations_intake.http.idempotent import json_response
from escalations_intake.http.problems import problem_response
from escalations_intake.integrations.alertmanager_payload import (
    AlertmanagerAlert,
    AlertmanagerWebhook,
    Refused,
    clip,
    read_alerts,
    to_escalation,
)
from escalations_intake.integrations.commands import once, publish_audited, resolve_key
from escalations_intake.openapi.errors import errors
from escalations_intake.openapi.samples import ALERTMANAGER_SAMPLE
from escalations_intake.settings import IntakeSettings

__all__ = ["AlertmanagerAlert", "AlertmanagerWebhook", "router", "system_actor", "to_escalation"]

router = APIRouter(prefix="/v1/integrations", tags=["integrations"])
PATH = "/v1/integrations/alertmanager"
VIA = "alertmanager"  # the audit entries' ``via``
log = logging.getLogger(__name__)


def system_actor(source: str) -> str:
    """Return the actor an integration acts as (the router accepts it for its own source)."""
    return f"system:{source}"


class AlertOutcome(BaseModel):
    """What became of one alert."""

    fingerprint: str | None = Field(
        None, description="The alert's fingerprint (the `external_id`); absent if unreadable"
    )
    id: str | None = Field(None, description="The escalation id; absent for a refused alert")
    action: Literal["created", "refired", "duplicate", "resolve_requested", "refused"] = Field(
        description="`created`: published; `refired`: fired again after its escalation was "
        "resolved, published as a new escalation that `follows` it; `duplicate`: already "
        "accepted, not published again; `resolve_requested`: a resolve command was "
        "published; `refused`: invalid (see `detail`), nothing published for this alert"
    )
    follows: str | None = Field(
        None, description="For `refired`: the resolved escalation the new one follows"
    )
    detail: str | None = Field(None, description="Why the alert was refused, naming the field")


class AlertmanagerAccepted(BaseModel):
    """Every valid alert is on the broker; each alert's outcome is listed."""

    status: Literal["success", "partial"] = Field(
        "success", description="`success`: every alert accepted; `partial`: some were refused"
    )
    alerts: list[AlertOutcome] = Field(description="One entry per alert, in order")


@dataclass(frozen=True, slots=True)
class _Context:
    """What every alert of one webhook request is handled with."""

    request: Request
    principal: Principal
    create: CreateEscalation
    publisher: Publisher
    store: IdempotencyStore
    settings: IntakeSettings


async def _resolve(at: _Context, alert: AlertmanagerAlert) -> AlertOutcome:
    """Publish and audit the resolve of a resolved alert, once per firing episode."""
    principal = at.principal
    if Scope.ACT not in principal.scopes:
        return _refused(Refused(alert.fingerprint, _NO_ACT.format(principal.source)))

    async def run(event_id: str) -> str:
        esc_id = await at.create.command_target(principal.source, alert.fingerprint)
        name = alert.labels.get("alertname", "alert")
        payload = ResolveRequested(
            escalation_id=esc_id,
            by=system_actor(principal.source),
            resolution=Resolution.ACTIONED,
            note=clip(f"resolved by Alertmanager: {name} stopped firing", 2000),
            source=principal.source,
            requested_at=datetime.now(UTC),
        )
        await publish_audited(at.request, principal, at.publisher, payload, VIA, event_id)
        return esc_id

    key = resolve_key(alert.fingerprint, alert.startsAt)
    esc_id = await once(at.store, principal, key, PATH, run)
    return AlertOutcome(fingerprint=alert.fingerprint, id=esc_id, action="resolve_requested")


async def _one(at: _Context, alert: AlertmanagerAlert, hook: AlertmanagerWebhook) -> AlertOutcome:
    if alert.status == "resolved":
        return await _resolve(at, alert)
    create, principal, settings = at.create, at.principal, at.settings
    escalation = to_escalation(alert, hook, settings)
    placed = await create.place(principal.source, alert.fingerprint)
    if create.is_repeat(placed):
        return AlertOutcome(fingerprint=alert.fingerprint, id=placed.id, action="duplicate")
    accepted = await create(principal, escalation, placed=placed)
    action: Literal["created", "refired"] = "refired" if accepted.follows else "created"
    return AlertOutcome(
        fingerprint=alert.fingerprint, id=accepted.id, action=action, follows=accepted.follows
    )


_NO_ACT = "this key of source '{}' lacks scope 'escalations:act' (needed for resolved alerts)"


def _refused(refused: Refused) -> AlertOutcome:
    return AlertOutcome(fingerprint=refused.fingerprint, action="refused", detail=refused.detail)


def _none_accepted(outcomes: list[AlertOutcome]) -> Response:
    """Answer a group none of whose alerts was accepted: 403 for a missing scope, else 422."""
    details = [o.detail or "" for o in outcomes]
    status = 403 if any("lacks scope" in d for d in details) else 422
    title = "Forbidden" if status == 403 else "Invalid alerts"
    body = [o.model_dump(mode="json", exclude_none=True) for o in outcomes]
    detail = "no alert of the group was accepted: " + "; ".join(details)
    return problem_response(status, title, detail, alerts=body)


_EXAMPLES = {"alertmanager": Example(summary="A firing alert group", value=ALERTMANAGER_SAMPLE)}


@router.post(
    "/alertmanager",
    status_code=202,
    response_model=AlertmanagerAccepted,
    response_model_exclude_none=True,
    responses=errors(400, 401, 403, 413, 422, 429, 503),
    summary="Alertmanager webhook",
)
async def alertmanager(
    hook: Annotated[AlertmanagerWebhook, Body(openapi_examples=_EXAMPLES)],
    request: Request,
    principal: Writer,
    create: CreateDep,
    publisher: PublisherDep,
    store: IdempotencyDep,
    settings: SettingsDep,
) -> Response:
    """Accept an Alertmanager webhook (version 4): firing alerts become escalations, resolved
    alerts resolve them. Configure Alertmanager with `http_config.authorization.credentials`
    set to an API key with `escalations:write` (and `escalations:act` for resolved alerts).

    Each alert stands alone: over-long text is clipped with a marker, an invalid alert is
    `refused` in the answer (with `detail`) and the others are accepted (`202`, status
    `partial`). Only a group none of whose alerts could be accepted is refused: `422`, or
    `403` when resolved alerts need the `escalations:act` scope. Bodies up to 4 MiB.
    A resolved alert already accepted (same fingerprint and `startsAt`, e.g. a retried
    group) is answered `resolve_requested` again without publishing anything.
    """
    source_only(principal, "the Alertmanager integration")
    if hook.truncatedAlerts:
        log.warning(
            "Alertmanager left %d alerts out of group %s (its max_alerts)",
            hook.truncatedAlerts,
            hook.groupKey[:200],
        )

    context = _Context(request, principal, create, publisher, store, settings)

    async def outcome(alert: AlertmanagerAlert | Refused) -> AlertOutcome:
        if isinstance(alert, Refused):
            return _refused(alert)
        return await _one(context, alert, hook)

    outcomes = list(await asyncio.gather(*(outcome(a) for a in read_alerts(hook.alerts))))
    refused = sum(o.action == "refused" for o in outcomes)
    if refused:
        # Alertmanager does not retry a refused alert: the log is where it is seen.
        first = next(o.detail for o in outcomes if o.action == "refused")
        log.warning(
            "refused %d of %d alerts from Alertmanager, first: %s", refused, len(outcomes), first
        )
    if refused and refused == len(outcomes):
        return _none_accepted(outcomes)
    answer = AlertmanagerAccepted(status="partial" if refused else "success", alerts=outcomes)
    return json_response(answer.model_dump(mode="json", exclude_none=True), 202)

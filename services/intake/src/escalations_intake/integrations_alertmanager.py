"""``POST /v1/integrations/alertmanager``: the Prometheus Alertmanager webhook (version 4).

Each firing alert becomes an escalation whose ``external_id`` is the alert's fingerprint;
Alertmanager repeats firing alerts, so an alert already accepted is not published again.
Each resolved alert becomes a resolve request by the system actor ``system:<source>``
(see docs/architecture.md). Labels choose the policy area and region (settings
``INTAKE_ALERTMANAGER_*``). Unknown fields are ignored here, unlike in our own API, so an
Alertmanager upgrade that adds fields does not start failing.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Request
from fastapi.openapi.models import Example
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from escalations.contracts.events import Resolution, ResolveRequested
from escalations.core.escalation import ContentRef, EscalationIn, PolicyArea, Reporter
from escalations_intake.auth import Principal, Scope, Writer, authorize_scope
from escalations_intake.bodies import Timestamp, no_number
from escalations_intake.bootstrap import Deps
from escalations_intake.handling import deps_of, publish
from escalations_intake.ids import escalation_id
from escalations_intake.openapi_docs import errors
from escalations_intake.routes_escalations import is_known, submit
from escalations_intake.samples import ALERTMANAGER_SAMPLE
from escalations_intake.settings import IntakeSettings

router = APIRouter(prefix="/v1/integrations", tags=["integrations"])
_LENIENT = ConfigDict(frozen=True, extra="ignore")
_REGION = re.compile(r"^[A-Z]{2}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
Labels = dict[Annotated[str, Field(max_length=200)], Annotated[str, Field(max_length=10_000)]]


def system_actor(source: str) -> str:
    """Return the actor an integration acts as (the router accepts it for its own source)."""
    return f"system:{source}"


class Alert(BaseModel):
    """One alert of the group."""

    model_config = _LENIENT

    status: Literal["firing", "resolved"] = Field(description="State of this alert")
    labels: Labels = Field(description="Identifying labels (`alertname`, ...)")
    annotations: Labels = Field({}, description="`summary`, `description`, ...")
    startsAt: Timestamp = Field(description="When it started firing")
    endsAt: Annotated[datetime, BeforeValidator(no_number)] | None = Field(
        None, description="When it ended (zero time if firing)"
    )
    generatorURL: str = Field("", max_length=2048, description="Link to the source")
    fingerprint: str = Field(min_length=1, max_length=200, description="Stable alert id")


class AlertmanagerWebhook(BaseModel):
    """The Alertmanager webhook body, version 4."""

    model_config = _LENIENT

    version: Literal["4"] = Field(description="Payload version; only 4 exists")
    groupKey: str = Field(max_length=10_000, description="Key of the alert group")
    truncatedAlerts: int = Field(0, ge=0, strict=True, description="Alerts left out by max_alerts")
    status: Literal["firing", "resolved"] = Field(description="Group state")
    receiver: str = Field(max_length=200, description="Receiver name")
    groupLabels: Labels = Field({}, description="Labels the group is by")
    commonLabels: Labels = Field({}, description="Labels all alerts share")
    commonAnnotations: Labels = Field({}, description="Annotations all alerts share")
    externalURL: str = Field("", max_length=2048, description="Alertmanager's URL")
    alerts: list[Alert] = Field(max_length=1000, description="The alerts")


class AlertOutcome(BaseModel):
    """What became of one alert."""

    fingerprint: str = Field(description="The alert's fingerprint (the `external_id`)")
    id: str = Field(description="The escalation id")
    action: Literal["created", "duplicate", "resolve_requested"] = Field(
        description="`created`: published; `duplicate`: already accepted, not published "
        "again; `resolve_requested`: a resolve command was published"
    )


class AlertmanagerAccepted(BaseModel):
    """Every alert is on the broker."""

    status: Literal["success"] = Field("success", description="Always `success`")
    alerts: list[AlertOutcome] = Field(description="One entry per alert, in order")


def to_escalation(
    alert: Alert, hook: AlertmanagerWebhook, settings: IntakeSettings
) -> EscalationIn:
    """Map one alert to an escalation, with the configured label mapping."""
    labels = alert.labels
    area = labels.get(settings.alertmanager_policy_area_label, "")
    name = labels.get("alertname", "alert")
    policy_area = (
        PolicyArea(area)
        if area in PolicyArea._value2member_map_
        else settings.alertmanager_alertname_policy_areas.get(
            name, settings.alertmanager_default_policy_area
        )
    )
    region = labels.get(settings.alertmanager_region_label, "").upper()
    language = labels.get("language", "")
    title = alert.annotations.get("summary") or alert.annotations.get("title") or name
    details = alert.annotations.get("description", "")
    label_text = ", ".join(f"{k}={v}" for k, v in sorted(labels.items()))
    url = alert.generatorURL if alert.generatorURL.startswith(("http://", "https://")) else None
    return EscalationIn(
        external_id=alert.fingerprint,
        title=title.strip()[:200] or name[:200],
        description=f"{details}\n\nlabels: {label_text}".strip()[:20_000],
        policy_area=policy_area,
        region=region if _REGION.match(region) else None,
        language=language if _LANGUAGE.match(language) else None,
        content_refs=[ContentRef(kind="alert", id=alert.fingerprint, url=url)],
        reporter=Reporter(
            name=f"Alertmanager ({hook.receiver})"[:200], contact=hook.externalURL[:320] or None
        ),
        occurred_at=alert.startsAt,
    )


async def _one(
    deps: Deps, principal: Principal, alert: Alert, hook: AlertmanagerWebhook
) -> AlertOutcome:
    esc_id = escalation_id(principal.source, alert.fingerprint)
    if alert.status == "resolved":
        name = alert.labels.get("alertname", "alert")
        payload = ResolveRequested(
            escalation_id=esc_id,
            by=system_actor(principal.source),
            resolution=Resolution.ACTIONED,
            note=f"resolved by Alertmanager: {name} stopped firing",
            source=principal.source,
            requested_at=datetime.now(UTC),
        )
        await publish(deps, payload, esc_id)
        return AlertOutcome(fingerprint=alert.fingerprint, id=esc_id, action="resolve_requested")
    if await is_known(deps, esc_id):
        return AlertOutcome(fingerprint=alert.fingerprint, id=esc_id, action="duplicate")
    accepted = await submit(deps, principal, to_escalation(alert, hook, deps.settings))
    action: Literal["created", "duplicate"] = "duplicate" if accepted.duplicate else "created"
    return AlertOutcome(fingerprint=alert.fingerprint, id=esc_id, action=action)


_EXAMPLES = {"alertmanager": Example(summary="A firing alert group", value=ALERTMANAGER_SAMPLE)}


@router.post(
    "/alertmanager",
    status_code=202,
    response_model=AlertmanagerAccepted,
    responses=errors(400, 401, 403, 413, 422, 429, 503),
    summary="Alertmanager webhook",
)
async def alertmanager(
    hook: Annotated[AlertmanagerWebhook, Body(openapi_examples=_EXAMPLES)],
    principal: Writer,
    request: Request,
) -> AlertmanagerAccepted:
    """Accept an Alertmanager webhook (version 4): firing alerts become escalations, resolved
    alerts resolve them. Configure Alertmanager with `http_config.authorization.credentials`
    set to an API key with `escalations:write` (and `escalations:act` for resolved alerts).
    """
    if any(a.status == "resolved" for a in hook.alerts):
        authorize_scope(principal, Scope.ACT, "resolved alerts")
    deps = deps_of(request)
    outcomes = await asyncio.gather(*(_one(deps, principal, a, hook) for a in hook.alerts))
    return AlertmanagerAccepted(alerts=list(outcomes))

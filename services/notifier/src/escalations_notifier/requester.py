"""Requester messages: a source's callback URL and e-mail, and the reporter's e-mail.

Pure (docs/notifications.md, "Stakeholders"). They hear four things: received, acknowledged,
updates posted for the requester, resolved. Never the description, content ids or content
URLs (the requester sent them); for a sensitive escalation, URLs in the title, the update and
the resolution note are masked. A source that opted out hears nothing.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from escalations.contracts.envelope import Envelope
from escalations.contracts.events import (
    EscalationAcknowledged,
    EscalationAssigned,
    EscalationResolved,
    EscalationSummary,
)
from escalations.contracts.stakeholders import EscalationUnassigned
from escalations.contracts.updates import Audience, UpdatePosted
from escalations.core.config import Config
from escalations.core.config_stakeholders import RequesterPolicy
from escalations_notifier.collect import Collector
from escalations_notifier.context import Request, StakeholderContext
from escalations_notifier.stake_body import frame, line, local, mask, section, sensitive
from escalations_notifier.stake_ids import REPORTER, SOURCE

TEMPLATE = "stakeholder.requester"
# The ``type`` a callback carries, per requester kind.
TYPES = {
    "received": "escalation.received",
    "acknowledged": "escalation.acknowledged",
    "update": "escalation.update_posted",
    "resolved": "escalation.resolved",
}
HEADLINES = {
    "received": "We received your report",
    "acknowledged": "Your report was acknowledged",
    "update": "An update on your report",
    "resolved": "Your report was resolved",
}


def requester_kind(payload: BaseModel) -> str | None:
    """Return what the requester hears of this event, or None (nothing)."""
    if isinstance(payload, EscalationAssigned):
        first = payload.previous_owner is None and payload.reassigned_by is None
        return "received" if first else None
    if isinstance(payload, EscalationUnassigned):
        return "received"
    if isinstance(payload, EscalationAcknowledged):
        return "acknowledged"
    if isinstance(payload, UpdatePosted):
        return "update" if payload.audience == Audience.REQUESTER else None
    if isinstance(payload, EscalationResolved):
        return "resolved"
    return None


def _kind_fields(
    kind: str, payload: Any, config: Config, policy: RequesterPolicy, hide: bool
) -> dict[str, Any]:
    """Return the kind's own data: what the callback carries besides the common fields."""
    summary: EscalationSummary = payload.escalation
    if kind == "received":
        due = summary.deadlines.acknowledge_by
        return {"expect_acknowledgement_by": due.isoformat() if due else None}
    if kind == "acknowledged":
        team = config.teams_by_id.get(summary.team or "")
        person = config.people_by_id.get(payload.by)
        named = (person.name if person else payload.by) if policy.name_person else None
        return {"team": team.name if team else summary.team, "acknowledged_by": named}
    if kind == "update":
        return {"update": mask(payload.text) if hide else payload.text}
    return {
        "resolution": payload.resolution.value,
        "note": mask(payload.note) if hide else payload.note,
    }


def requester_body(
    envelope: Envelope,
    payload: Any,
    kind: str,
    recipient: tuple[str, str],
    config: Config,
    policy: RequesterPolicy,
    request: Request,
) -> dict[str, Any]:
    """Return one requester message: common fields, the kind's fields, and its presentation."""
    summary: EscalationSummary = payload.escalation
    hide = sensitive(summary)
    fields = _kind_fields(kind, payload, config, policy, hide)
    facts = [
        ("Reference", summary.id),
        ("Your reference", request.external_id) if request.external_id else None,
        ("Regulatory reference", request.reference) if request.reference else None,
    ]
    sections = []
    if kind == "received":
        due = local(summary.deadlines.acknowledge_by)
        facts.append(("Expect acknowledgement by", due) if due else None)
    elif kind == "acknowledged":
        facts.append(("Team", fields["team"] or "the responsible team"))
        facts.append(
            ("Acknowledged by", fields["acknowledged_by"]) if fields["acknowledged_by"] else None
        )
    elif kind == "update":
        sections.append(section("Update", [line(fields["update"])]))
    else:
        facts.append(("Resolution", fields["resolution"].replace("_", " ")))
        if fields["note"]:
            sections.append(section("Note", [line(fields["note"])]))
    template = policy.template
    return frame(
        envelope, TEMPLATE, recipient, HEADLINES[kind],
        title=mask(summary.title) if hide else summary.title,
        facts=facts, sections=sections, intro=template.intro, signature=template.signature,
        type=TYPES[kind], kind=kind, escalation_id=summary.id, reference=summary.id,
        external_id=request.external_id, regulatory_reference=request.reference, **fields,
    )  # fmt: skip


def plan_requester(
    out: Collector, payload: BaseModel, config: Config, context: StakeholderContext
) -> None:
    """Plan the requester messages of one event (none when the source opted out)."""
    kind = requester_kind(payload)
    if kind is None:
        return
    summary: EscalationSummary = payload.escalation  # type: ignore[attr-defined]
    policy = config.stakeholders.requester_for(summary.source)
    if policy.opt_out:
        return
    request = context.request(summary.id)
    targets: list[tuple[str, str, str]] = []
    callback = context.callbacks.get(summary.source)
    if callback is not None and callback.url:
        targets.append((SOURCE + summary.source, "webhook", callback.url))
    if callback is not None and callback.email:
        targets.append((SOURCE + summary.source, "email", callback.email))
    if request.reporter_contact:
        targets.append((REPORTER + summary.id, "email", request.reporter_contact))
    for recipient, channel, address in targets:
        who = (recipient, summary.source if recipient.startswith(SOURCE) else "reporter")
        body = requester_body(out.envelope, payload, kind, who, config, policy, request)
        out.add(recipient, channel, address, body)

"""Subscriber messages: explicit subscriptions and configured subscription rules.

Pure (docs/notifications.md, "Stakeholders"). Subscribers hear state changes, tier rises,
breaches and updates for stakeholders or the requester; never the description or content.
A sensitive escalation gives them only title, tier, deadline and the link (and an update's
text with its URLs masked).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from escalations.contracts.events import (
    EscalationAcknowledged,
    EscalationAssigned,
    EscalationEscalated,
    EscalationResolved,
    EscalationSummary,
    SlaBreached,
    TierRaised,
)
from escalations.contracts.stakeholders import EscalationUnassigned
from escalations.contracts.updates import Audience, UpdatePosted
from escalations.core.config import Config
from escalations.core.routing import RouteFacts
from escalations_notifier.body import Links
from escalations_notifier.collect import PERSON_CHANNELS, Collector
from escalations_notifier.context import StakeholderContext
from escalations_notifier.stake_body import (
    escalation_facts,
    frame,
    line,
    mask,
    section,
    sensitive,
    view_url,
)
from escalations_notifier.stake_ids import SUB, rule_recipient

TEMPLATE = "stakeholder.subscriber"
SUBSCRIBED_EVENTS = (
    EscalationAssigned, EscalationUnassigned, EscalationEscalated, TierRaised,
    EscalationAcknowledged, EscalationResolved, SlaBreached, UpdatePosted,
)  # fmt: skip
# Non-person recipients: the subscription's kind is the channel.
ADDRESS_KINDS = ("email", "slack", "teams", "webhook")


def subscribed(payload: BaseModel) -> bool:
    """Return whether subscribers hear this event (team-only updates they do not)."""
    if isinstance(payload, UpdatePosted):
        return payload.audience in (Audience.STAKEHOLDERS, Audience.REQUESTER)
    return isinstance(payload, SUBSCRIBED_EVENTS)


def _name(config: Config, person: str | None) -> str:
    found = config.people_by_id.get(person or "")
    return found.name if found else (person or "nobody")


def headline(payload: Any, config: Config, hide: bool = False) -> str:
    """Return what changed, in a few words; no names when the escalation is sensitive."""

    def who(prefix: str, person: str | None) -> str:
        return "" if hide else f" {prefix} {_name(config, person)}"

    if isinstance(payload, EscalationAssigned):
        if payload.previous_owner is None:
            return "New escalation, assigned" + who("to", payload.owner)
        return "Reassigned" + who("from", payload.previous_owner) + who("to", payload.owner)
    if isinstance(payload, EscalationUnassigned):
        return "New escalation: nobody is on duty to take it"
    if isinstance(payload, EscalationEscalated):
        return f"Escalated to level {payload.level}"
    if isinstance(payload, TierRaised):
        return f"Raised from {payload.previous_tier.value} to {payload.tier.value}"
    if isinstance(payload, EscalationAcknowledged):
        return "Acknowledged" + who("by", payload.by)
    if isinstance(payload, EscalationResolved):
        return f"Resolved ({payload.resolution.value.replace('_', ' ')})"
    if isinstance(payload, SlaBreached):
        return f"Missed its {payload.kind.value} deadline"
    return "Update posted" + who("by", payload.by)


def subscriber_body(
    out: Collector, payload: Any, recipient: tuple[str, str], config: Config, links: Links,
    timezone: str = "UTC",
) -> dict[str, Any]:  # fmt: skip
    """Return one subscriber message (redacted when the escalation is sensitive)."""
    summary: EscalationSummary = payload.escalation
    hide = sensitive(summary)
    owner = _name(config, summary.owner) if summary.owner else None
    sections = []
    fields: dict[str, Any] = {}
    if isinstance(payload, UpdatePosted):
        fields["update"] = mask(payload.text) if hide else payload.text
        sections.append(section("Update", [line(fields["update"])]))
    if isinstance(payload, EscalationResolved) and not hide and payload.note:
        fields["note"] = payload.note
        sections.append(section("Note", [line(payload.note)]))
    return frame(
        out.envelope, TEMPLATE, recipient, headline(payload, config, hide),
        title=mask(summary.title) if hide else summary.title,
        facts=escalation_facts(summary, timezone, owner, hide), sections=sections,
        view=view_url(links, summary.id), type=out.envelope.type, escalation_id=summary.id,
        tier=summary.tier.value, status=summary.status.value, redacted=hide, **fields,
    )  # fmt: skip


def _person(out: Collector, config: Config, person_id: str, payload: Any, links: Links) -> None:
    """Plan a person subscriber: their e-mail, else their first chat contact."""
    person = config.people_by_id.get(person_id)
    if person is None:
        out.unavailable.append((person_id, "unknown person"))
        return
    for channel, address in out.reachable(person, PERSON_CHANNELS)[:1]:
        body = subscriber_body(out, payload, (person.id, person.name), config, links,
                               person.timezone)  # fmt: skip
        out.add(person.id, channel, address, body)


def plan_subscribers(
    out: Collector, payload: BaseModel, config: Config, context: StakeholderContext, links: Links
) -> None:
    """Plan the messages of explicit subscribers, then of matching subscription rules."""
    if not subscribed(payload):
        return
    summary: EscalationSummary = payload.escalation  # type: ignore[attr-defined]
    for sub in context.subscriptions.get(summary.id, ()):
        if sub.kind == "person":
            _person(out, config, sub.target, payload, links)
        elif sub.kind in ADDRESS_KINDS:
            body = subscriber_body(out, payload, (SUB + sub.id, sub.kind), config, links)
            out.add(SUB + sub.id, sub.kind, sub.target, body)
    request = context.request(summary.id)
    facts = RouteFacts(
        policy_area=summary.policy_area, region=summary.region, language=summary.language,
        source=summary.source, source_kind=summary.source_kind, regime=request.regime,
        tier=summary.tier,
    )  # fmt: skip
    seen: dict[str, int] = {}
    for rule, recipient in config.stakeholders.subscribers(facts, request.signals):
        index = seen[rule] = seen.get(rule, -1) + 1
        if recipient.person is not None:
            _person(out, config, recipient.person, payload, links)
            continue
        who = rule_recipient(rule, index)
        body = subscriber_body(out, payload, (who, rule), config, links)
        out.add(who, recipient.kind, recipient.target, body)

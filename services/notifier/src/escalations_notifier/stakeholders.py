"""Stakeholder planning for one event: requesters, subscribers, team notes, reminders,
handoff packets and digests (docs/notifications.md, "Stakeholders"). Pure.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel

from escalations.contracts.envelope import Envelope
from escalations.contracts.events import EscalationSummary
from escalations.contracts.stakeholders import ShiftHandoff, TeamDigest
from escalations.core.config import Config
from escalations_notifier.body import Links
from escalations_notifier.channels import Message
from escalations_notifier.collect import Collector
from escalations_notifier.context import StakeholderContext
from escalations_notifier.owner_notes import plan_reminder, plan_team_update
from escalations_notifier.requester import plan_requester, requester_kind
from escalations_notifier.shifts import collector, plan_digest, plan_handoff
from escalations_notifier.subscribers import plan_subscribers, subscribed

# Events that name no escalation but still reach people.
TEAM_EVENTS = (ShiftHandoff, TeamDigest)


def concerns_stakeholders(payload: BaseModel) -> bool:
    """Return whether a requester or subscriber may hear of this event (context to load)."""
    return requester_kind(payload) is not None or subscribed(payload)


def plan_stakeholders(
    envelope: Envelope,
    payload: BaseModel,
    config: Config,
    context: StakeholderContext,
    available: Iterable[str],
    links: Links,
    planned: Iterable[Message] = (),
) -> Collector:
    """Return the stakeholder messages of one event, none repeating ``planned`` ones."""
    if isinstance(payload, TEAM_EVENTS):
        out = collector(envelope, payload, available)
        if isinstance(payload, ShiftHandoff):
            plan_handoff(out, payload, config, links)
        else:
            plan_digest(out, payload, config, links)
        return out
    summary: EscalationSummary | None = getattr(payload, "escalation", None)
    out = Collector(envelope, summary.id if summary else "", frozenset(available))
    if summary is None:
        return out
    out.already(planned)
    plan_requester(out, payload, config, context)
    plan_subscribers(out, payload, config, context, links)
    plan_team_update(out, payload, config, links)
    plan_reminder(out, payload, config, links)
    return out

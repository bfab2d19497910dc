"""The registry of event types: name -> (topic, payload model).

Every producer and consumer looks types up here. A new event type is a payload model in
``events.py`` (or a module of its own), one line here, and a golden sample in ``samples/``.
"""

from __future__ import annotations

from pydantic import BaseModel

from escalations.contracts import topics
from escalations.contracts.events import (
    AcknowledgeRequested,
    DuplicateMerged,
    EscalationAcknowledged,
    EscalationAssigned,
    EscalationEscalated,
    EscalationReceived,
    EscalationResolved,
    OverrideRequested,
    ReassignRequested,
    ResolveRequested,
    RevealRequested,
    SlaBreached,
    SlaWarning,
    TierRaised,
    TimeOffRequested,
)
from escalations.contracts.schedule import OverrideCancelRequested, TimeOffCancelRequested
from escalations.contracts.stakeholders import (
    EscalationUnassigned,
    ShiftHandoff,
    TeamDigest,
    UpdateDue,
)
from escalations.contracts.updates import UpdatePosted, UpdateRequested

EVENT_TYPES: dict[str, tuple[str, type[BaseModel]]] = {
    "escalation.received": (topics.INTAKE, EscalationReceived),
    "escalation.acknowledge_requested": (topics.INTAKE, AcknowledgeRequested),
    "escalation.resolve_requested": (topics.INTAKE, ResolveRequested),
    "escalation.reassign_requested": (topics.INTAKE, ReassignRequested),
    "escalation.reveal_requested": (topics.INTAKE, RevealRequested),
    "escalation.update_requested": (topics.INTAKE, UpdateRequested),
    # Schedule commands: keyed by team id (overrides) or person id (time off).
    "schedule.override_requested": (topics.INTAKE, OverrideRequested),
    "schedule.time_off_requested": (topics.INTAKE, TimeOffRequested),
    "schedule.override_cancel_requested": (topics.INTAKE, OverrideCancelRequested),
    "schedule.time_off_cancel_requested": (topics.INTAKE, TimeOffCancelRequested),
    "escalation.assigned": (topics.EVENTS, EscalationAssigned),
    "escalation.escalated": (topics.EVENTS, EscalationEscalated),
    "escalation.acknowledged": (topics.EVENTS, EscalationAcknowledged),
    "escalation.resolved": (topics.EVENTS, EscalationResolved),
    "escalation.sla_warning": (topics.EVENTS, SlaWarning),
    "escalation.sla_breached": (topics.EVENTS, SlaBreached),
    "escalation.duplicate_merged": (topics.EVENTS, DuplicateMerged),
    "escalation.tier_raised": (topics.EVENTS, TierRaised),
    "escalation.update_posted": (topics.EVENTS, UpdatePosted),
    "escalation.unassigned": (topics.EVENTS, EscalationUnassigned),
    "escalation.update_due": (topics.EVENTS, UpdateDue),
    # Keyed by team id: a team's handoffs and digests keep their order.
    "shift.handoff": (topics.EVENTS, ShiftHandoff),
    "team.digest": (topics.EVENTS, TeamDigest),
}
EVENT_TYPE_OF: dict[type[BaseModel], str] = {
    model: name for name, (_, model) in EVENT_TYPES.items()
}

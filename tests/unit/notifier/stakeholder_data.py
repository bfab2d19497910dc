"""Test data for stakeholder messages: a configuration with a ``stakeholders`` section,
contexts, and one payload of every event type stakeholders hear of."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel

from escalations.contracts.envelope import Envelope
from escalations.contracts.events import (
    Deadlines,
    EscalationAcknowledged,
    EscalationAssigned,
    EscalationEscalated,
    EscalationResolved,
    Resolution,
    RiseCause,
    SlaBreached,
    SlaKind,
    SlaWarning,
    Status,
    TierRaised,
)
from escalations.contracts.stakeholders import (
    EscalationUnassigned,
    HandoffNote,
    PacketItem,
    ShiftHandoff,
    SourceCount,
    TeamDigest,
    TierFigures,
    UpdateDue,
)
from escalations.contracts.updates import Audience, UpdatePosted
from escalations.core.config import Config, parse_config
from escalations.core.escalation import Tier
from escalations_notifier.body import Links
from escalations_notifier.channels import CHANNELS
from escalations_notifier.context import Callback, Request, StakeholderContext, Subscription
from escalations_notifier.plan import Planner

from .fixtures import CONFIG_YAML, ESCALATION_ID, NOW, PUBLIC, SECRET, summary

CALLBACK_URL = "https://callbacks.test/trust-desk/secret-path"
SOURCE_EMAIL = "ops@source.example"
REPORTER_EMAIL = "reporter@example.net"
COMMS_SLACK = "https://hooks.slack.test/services/T/B/comms-secret"
SUB_WEBHOOK = "https://subscriber.test/hook-secret"
SUB_ID = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
HANDOFF_ID = "c2a4e6f8-0b1d-5e3f-9a7c-5b6d7e8f9a0b"
CALLBACK = Callback(CALLBACK_URL, SOURCE_EMAIL)

STAKEHOLDERS: dict[str, Any] = {
    "requester": {
        "name_person": False,
        "template": {"intro": "Hello from <b>Desk</b> & co", "signature": "-- The Desk"},
    },
    "sources": {"quiet-source": {"opt_out": True}, "named-source": {"name_person": True}},
    "subscriptions": [
        {
            "name": "comms-press",
            "match": {"signals": ["press_inquiry"], "tier": ["P0", "P1"]},
            "to": [{"slack": COMMS_SLACK}, {"person": "bo"}],
        },
    ],
}


def config(**changes: Any) -> Config:
    """Return the unit-test configuration with the stakeholders section."""
    data = copy.deepcopy(CONFIG_YAML)
    data["stakeholders"] = {**copy.deepcopy(STAKEHOLDERS), **changes}
    return parse_config(data).config


def planner(**changes: Any) -> Planner:
    """Return a planner over that configuration."""
    return Planner(config(**changes), CHANNELS, Links(PUBLIC, SECRET))


def context(
    *,
    subscriptions: tuple[Subscription, ...] = (),
    callback: Callback | None = CALLBACK,
    request: Request | None = None,
    source: str = "trust-desk",
) -> StakeholderContext:
    """Return a context for the test escalation."""
    req = request or Request(
        external_id="EXT-1", reference="REG-9", reporter_contact=REPORTER_EMAIL
    )
    return StakeholderContext(
        {ESCALATION_ID: req},
        {ESCALATION_ID: subscriptions} if subscriptions else {},
        {source: callback} if callback else {},
    )


def every_payload(**changes: Any) -> dict[str, BaseModel]:
    """Return one payload per event type, keyed by a short name."""
    esc = summary(**changes)
    return {
        "assigned": EscalationAssigned(escalation=esc, owner="ana", team="desk"),
        "reassigned": EscalationAssigned(
            escalation=esc, owner="ana", team="desk", previous_owner="bo", reassigned_by="lee"
        ),
        # A lead gives an escalation that found nobody on duty its first owner.
        "first_owner_by_lead": EscalationAssigned(
            escalation=esc, owner="ana", team="desk", reassigned_by="lee"
        ),
        "unassigned": EscalationUnassigned(
            escalation=esc.model_copy(update={"owner": None}), reason="nobody on duty"
        ),
        "escalated": EscalationEscalated(escalation=esc, level=2, targets=("lee",)),
        "tier_raised": TierRaised(
            escalation=esc,
            previous_tier=Tier.P2,
            tier=Tier.P1,
            score=90,
            cause=RiseCause.REPORT,
            detail="merged",
            level=1,
            targets=("ana",),
            deadlines=esc.deadlines,
            raised_at=NOW,
        ),
        "acknowledged": EscalationAcknowledged(
            escalation=esc.model_copy(update={"status": Status.ACKNOWLEDGED}), by="ana"
        ),
        "resolved": EscalationResolved(
            escalation=esc.model_copy(update={"status": Status.RESOLVED}),
            by="ana",
            resolution=Resolution.ACTIONED,
            note="Removed, see https://example.com/pin/777",
        ),
        "sla_warning": SlaWarning(escalation=esc, kind=SlaKind.ACKNOWLEDGE, due_at=NOW),
        "sla_breached": SlaBreached(escalation=esc, kind=SlaKind.ACKNOWLEDGE, due_at=NOW),
        **{
            f"update_{audience.value}": UpdatePosted(
                escalation=esc,
                update_id=f"u-{audience.value}",
                audience=audience,
                text=f"{audience.value} news, see https://example.com/pin/777",
                by="ana",
                at=NOW,
            )
            for audience in Audience
        },
        "update_due": UpdateDue(
            escalation=esc, owner="ana", interval_seconds=1800, due_at=NOW, round=2
        ),
    }


def handoff(
    note: str = "Regulator chasing; legal knows.", title: str = "Open item"
) -> ShiftHandoff:
    """Return a handoff from lee to ana with one open escalation and one note."""
    item = PacketItem(
        id=ESCALATION_ID,
        title=title,
        tier=Tier.P0,
        status=Status.ASSIGNED,
        owner="ana",
        created_at=NOW,
        deadlines=Deadlines(resolve_by=NOW),
        due_in_shift=NOW + timedelta(hours=1),
    )
    return ShiftHandoff(
        handoff_id=HANDOFF_ID,
        team="desk",
        at=NOW,
        outgoing=("lee",),
        incoming=("ana",),
        shift_end=NOW + timedelta(hours=8),
        open=(item,),
        open_total=1,
        unacknowledged=1,
        notes=(HandoffNote(id="n1", by="lee", text=note, at=NOW),),
    )


def digest(source: str = "trust-desk") -> TeamDigest:
    """Return lee's digest of the desk."""
    item = PacketItem(
        id=ESCALATION_ID,
        title="Oldest",
        tier=Tier.P2,
        status=Status.ASSIGNED,
        created_at=NOW - timedelta(days=3),
    )
    return TeamDigest(
        team="desk",
        lead="lee",
        day=date(2026, 11, 25),
        timezone="Europe/Dublin",
        period_start=NOW - timedelta(days=1),
        period_end=NOW,
        received=4,
        open_now=2,
        tiers=(
            TierFigures(
                tier=Tier.P1, received=2, acknowledged_in_time=1, acknowledge_breaches=1, resolved=1
            ),
        ),
        sources=(SourceCount(source=source, received=4),),
        oldest_open=(item,),
    )


def team_event(payload: BaseModel, subject: str = "desk") -> Envelope:
    """Wrap a team event as the router would."""
    from escalations.contracts.codec import build_event

    return build_event(payload, subject=subject, source="/router", time=NOW)

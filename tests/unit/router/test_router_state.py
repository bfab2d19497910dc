"""The router's state machine, with a hand-written fake decider."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from escalations.contracts.events import (
    AcknowledgeRequested,
    DuplicateMerged,
    EscalationAcknowledged,
    EscalationAssigned,
    EscalationReceived,
    EscalationResolved,
    ReassignRequested,
    Resolution,
    ResolveRequested,
    Status,
)
from escalations.contracts.stakeholders import EscalationUnassigned
from escalations.core.escalation import EscalationIn, SourceKind, Tier
from escalations_router.domain.outcome import Payload
from escalations_router.domain.state import (
    on_acknowledge,
    on_reassign,
    on_received,
    on_resolve,
)
from tests.fakes.router import FakeDecider

NOW = datetime(2026, 11, 25, 9, 14, tzinfo=UTC)


def _received(title: str = "Threat naming a school") -> EscalationReceived:
    return EscalationReceived(
        escalation_id="e-1",
        source="legal",
        source_kind=SourceKind.LEGAL,
        received_at=NOW - timedelta(seconds=1),
        request=EscalationIn(title=title, policy_area="violent_threat"),  # type: ignore[arg-type]
    )


def _assigned(decider: FakeDecider | None = None):  # type: ignore[no-untyped-def]
    outcome = on_received(None, _received(), decider or FakeDecider(), NOW)
    assert outcome.row is not None
    return outcome.row


def test_new_escalation_is_assigned_and_announced() -> None:
    """A first report creates the row, assigns the owner and emits escalation.assigned."""
    outcome = on_received(None, _received(), FakeDecider(), NOW)
    assert outcome.row is not None
    assert (
        outcome.row.status, outcome.row.owner, outcome.row.team, outcome.row.tier,
    ) == (Status.ASSIGNED, "aoife", "dublin", "P1")  # fmt: skip
    assert [c.action for c in outcome.changes] == ["received", "assigned"]
    (assigned,) = outcome.events
    assert isinstance(assigned, Payload)
    assert EscalationAssigned is assigned.model
    assert ("aoife", "dublin") == (assigned.data["owner"], assigned.data["team"])


def test_nobody_on_duty_leaves_it_received_and_says_why() -> None:
    """Without an owner the escalation stays received and the history says nobody was on duty."""
    outcome = on_received(None, _received(), FakeDecider(owner=None), NOW)
    assert outcome.row is not None
    assert outcome.row.status == Status.RECEIVED
    assert outcome.changes[-1].reason == "nobody on duty"
    (unassigned,) = outcome.events
    assert isinstance(unassigned, Payload)
    assert (EscalationUnassigned, "nobody on duty") == (unassigned.model, unassigned.data["reason"])


def test_duplicate_counts_a_report_and_never_lowers_the_tier() -> None:
    """A repeat report adds one to reports; a lower rescored tier keeps the old one."""
    row = _assigned()
    outcome = on_received(row, _received(), FakeDecider(rescore_tier=Tier.P4), NOW)
    assert row.reports == 2
    assert row.tier == "P1"
    merged = outcome.events[0]
    assert isinstance(merged, DuplicateMerged)
    assert (merged.previous_tier, merged.tier, merged.reports) == (Tier.P1, Tier.P1, 2)


def test_duplicate_can_raise_the_tier() -> None:
    """A repeat report that rescored higher raises the tier."""
    row = _assigned()
    on_received(row, _received(), FakeDecider(rescore_tier=Tier.P0), NOW)
    assert row.tier == "P0"


def test_owner_acknowledges() -> None:
    """The owner's acknowledgement moves the escalation to acknowledged and emits the event."""
    row = _assigned()
    cmd = AcknowledgeRequested(escalation_id="e-1", by="aoife", source="legal", requested_at=NOW)
    outcome = on_acknowledge(row, cmd, FakeDecider(), NOW)
    assert row.status == Status.ACKNOWLEDGED
    assert row.acknowledged_at == NOW
    assert [EscalationAcknowledged] == [type(e) for e in outcome.events]


@pytest.mark.parametrize(
    ("by", "prepare", "reason"),
    [
        ("niamh", None, "niamh is neither the owner nor on duty for team dublin"),
        ("aoife", Status.RESOLVED, "escalation is already resolved"),
        ("aoife", Status.ACKNOWLEDGED, "escalation is already acknowledged"),
    ],
)
def test_illegal_acknowledge_is_recorded_not_applied(
    by: str, prepare: Status | None, reason: str
) -> None:
    """Refused acknowledgements leave the state alone and record the reason in the history."""
    row = _assigned()
    if prepare is not None:
        row.status = prepare.value
    before = row.status
    cmd = AcknowledgeRequested(escalation_id="e-1", by=by, source="legal", requested_at=NOW)
    outcome = on_acknowledge(row, cmd, FakeDecider(), NOW)
    assert before == row.status
    assert outcome.events == []
    assert ("acknowledge_rejected", reason) == (
        outcome.changes[0].action,
        outcome.changes[0].reason,
    )


def test_resolve_closes_and_cannot_repeat() -> None:
    """Resolving emits escalation.resolved once; a second resolve is rejected."""
    row = _assigned()
    cmd = ResolveRequested(
        escalation_id="e-1", by="aoife", resolution=Resolution.ACTIONED, note="removed",
        source="legal", requested_at=NOW,
    )  # fmt: skip
    first = on_resolve(row, cmd, FakeDecider(), NOW)
    second = on_resolve(row, cmd, FakeDecider(), NOW)
    assert [EscalationResolved] == [type(e) for e in first.events]
    assert first.changes[0].reason == "actioned: removed"
    assert second.events == []
    assert second.changes[0].action == "resolve_rejected"


def test_reassign_hands_over_and_announces_previous_owner() -> None:
    """Reassigning changes the owner and names the previous one and who handed it over.

    ``reassigned_by`` tells a first owner given by a lead (no previous owner) from the
    assignment on arrival: only the latter tells the requester "received".
    """
    row = _assigned()
    cmd = ReassignRequested(
        escalation_id="e-1", by="aoife", to="ciaran", reason="Irish speaker", source="legal",
        requested_at=NOW,
    )  # fmt: skip
    outcome = on_reassign(row, cmd, FakeDecider(), NOW)
    event = outcome.events[0]
    assert isinstance(event, EscalationAssigned)
    assert (event.owner, event.previous_owner, event.reassigned_by) == ("ciaran", "aoife", "aoife")
    assert row.owner == "ciaran"


def test_reassign_to_unknown_person_is_rejected() -> None:
    """A reassignment to someone not in the configuration is refused with the name."""
    row = _assigned()
    cmd = ReassignRequested(
        escalation_id="e-1", by="aoife", to="ciara", source="legal", requested_at=NOW
    )
    outcome = on_reassign(row, cmd, FakeDecider(), NOW)
    assert row.owner == "aoife"
    assert outcome.changes[0].reason == "unknown person 'ciara'"


def test_sensitive_summary_is_flagged() -> None:
    """Events about sensitive policy areas are flagged so chat and email redact them."""
    received = _received().model_copy(
        update={"request": EscalationIn(title="t", policy_area="child_safety")}  # type: ignore[arg-type]
    )
    outcome = on_received(None, received, FakeDecider(), NOW)
    event = outcome.events[0]
    assert isinstance(event, Payload)
    assert event.data["escalation"]["sensitive"] is True

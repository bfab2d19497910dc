"""The router's clock when the tier rises: the level told again, budgets from the rise (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from escalations.contracts.events import (
    EscalationEscalated,
    RiseCause,
    SlaBreached,
    SlaWarning,
    TierRaised,
)
from escalations.core.escalation import Tier
from escalations.core.policy import EscalationPolicy
from escalations.core.priority_config import PriorityConfig, TierSla
from escalations_router.domain.records import Escalation
from escalations_router.domain.rise import Rise
from escalations_router.domain.timers import advance, fired_kinds, new_clock

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
SLA = PriorityConfig().sla
TWO_LEVELS = {
    "levels": [
        {"targets": [{"kind": "schedule"}]},
        {"targets": [{"kind": "person", "id": "lead"}]},
    ],
    "repeat": 0,
}


@dataclass
class Works:
    """The default budgets; level 2 pages 'lead'; a regulatory rise returns ``risen``."""

    risen: Tier = Tier.P1
    pages: list[tuple[int, datetime]] = field(default_factory=list)

    def sla(self, tier: Tier) -> TierSla:
        return SLA[tier]

    def level_targets(
        self, team: str | None, policy: EscalationPolicy, level: int, at: datetime
    ) -> tuple[str, ...]:
        self.pages.append((level, at))
        return ("lead",) if level == 2 else ("aoife", "bruno")

    def rise(self, row: Escalation, at: datetime) -> Rise:
        return Rise(self.risen, row.score, [], None)


def p3_row(**extra: Any) -> Escalation:
    """Return a P3 escalation created at T0, owned by aoife, with a two-level policy."""
    values: dict[str, Any] = {
        "id": "e-1",
        "source": "moderation-tool",
        "source_kind": "internal_tool",
        "status": "assigned",
        "title": "Harassment campaign",
        "policy_area": "harassment",
        "tier": "P3",
        "score": 20,
        "team": "tsd",
        "owner": "aoife",
        "level": 1,
        "reports": 1,
        "request": {"title": "Harassment campaign", "policy_area": "harassment"},
        "priority": {},
        "assignment": {},
        "policy_snapshot": TWO_LEVELS,
        "acknowledge_by": T0 + SLA[Tier.P3].acknowledge,
        "resolve_by": T0 + SLA[Tier.P3].resolve,
        "regulatory_deadline": None,
        "received_at": T0,
        "created_at": T0,
        "updated_at": T0,
    }
    return Escalation(**{**values, **extra})


def merged_to_p0(row: Escalation) -> None:
    """Do to the row what ``state.on_received`` does when a repeat report makes it P0."""
    row.reports += 1
    row.tier = "P0"
    row.score = 85


def test_a_merged_report_raises_without_paging_the_last_level_or_breaching() -> None:
    """Two hours in, P3 -> P0: the owner is told again, 5 min to acknowledge from the rise."""
    row, works = p3_row(), Works()
    clock = new_clock(row, SLA[Tier.P3], warning_share=0.75, rescore_at=None, now=T0)
    rise_at = T0 + timedelta(hours=2)
    merged_to_p0(row)
    out = advance(row, clock, works, rise_at)
    (event,) = out.events
    assert isinstance(event, TierRaised)
    expected = (Tier.P3, Tier.P0, RiseCause.REPORT, 1, ("aoife",), rise_at + timedelta(minutes=5))
    assert expected == (
        event.previous_tier,
        event.tier,
        event.cause,
        event.level,
        event.targets,
        event.deadlines.acknowledge_by,
    )
    assert (rise_at + SLA[Tier.P0].resolve, rise_at) == (row.resolve_by, event.raised_at)
    assert (["tier_raised"], "assigned", 1) == ([c.action for c in out.changes], row.status, 1)
    assert [] == fired_kinds(out)  # a merged report is no timer
    assert rise_at + timedelta(minutes=3, seconds=45) == clock.due_at


def test_level_two_follows_at_the_new_acknowledge_deadline() -> None:
    """After the rise, level 2 is paged when the new 5 min run out, then the breach follows."""
    row, works = p3_row(), Works()
    clock = new_clock(row, SLA[Tier.P3], warning_share=0.75, rescore_at=None, now=T0)
    rise_at = T0 + timedelta(hours=2)
    merged_to_p0(row)
    advance(row, clock, works, rise_at)
    early = advance(row, clock, works, rise_at + timedelta(minutes=4, seconds=59))
    assert [] == [e for e in early.events if not isinstance(e, SlaWarning)]
    paged = advance(row, clock, works, rise_at + timedelta(minutes=5))
    (escalated,) = paged.events
    assert isinstance(escalated, EscalationEscalated)
    assert (2, ("lead",)) == (escalated.level, escalated.targets)
    breached = advance(row, clock, works, rise_at + timedelta(minutes=10))
    assert ["acknowledge"] == [e.kind.value for e in breached.events if isinstance(e, SlaBreached)]


def test_an_escalated_level_is_told_again_and_may_acknowledge() -> None:
    """At level 2 the rise reaches level 2's people, and they join those who may acknowledge."""
    row = p3_row(status="escalated", level=2, assignment={"paged": ["lead"]})
    works = Works()
    clock = new_clock(row, SLA[Tier.P3], warning_share=0.75, rescore_at=None, now=T0)
    clock.progress = {"level": 2, "round": 0, "warned": ["acknowledge"], "breached": []}
    rise_at = T0 + SLA[Tier.P3].acknowledge + timedelta(minutes=1)
    merged_to_p0(row)
    (event,) = advance(row, clock, works, rise_at).events
    assert isinstance(event, TierRaised)
    assert (2, ("lead",), ["lead"]) == (event.level, event.targets, row.assignment["paged"])


def test_an_acknowledged_escalation_is_told_to_nobody() -> None:
    """Acknowledged: the event and history say so, nobody is paged, resolve_by tightens."""
    ack_by = T0 + SLA[Tier.P3].acknowledge
    row, works = p3_row(status="acknowledged"), Works()
    clock = new_clock(row, SLA[Tier.P3], warning_share=0.75, rescore_at=None, now=T0)
    rise_at = T0 + timedelta(hours=2)
    merged_to_p0(row)
    out = advance(row, clock, works, rise_at)
    (event,) = out.events
    assert isinstance(event, TierRaised)
    assert ((), ack_by, rise_at + SLA[Tier.P0].resolve) == (
        event.targets,
        row.acknowledge_by,
        row.resolve_by,
    )
    assert (out.changes[0].reason or "").endswith("acknowledged: nobody paged again")
    assert [] == works.pages


def test_a_regulatory_rise_emits_one_event_and_counts_as_the_rescore_timer() -> None:
    """The re-score timer raising P3 -> P1 tells level 1 once and re-anchors the clock."""
    row, works = p3_row(regulatory_deadline=T0 + timedelta(days=1)), Works(risen=Tier.P1)
    rescore = T0 + timedelta(hours=1)
    clock = new_clock(row, SLA[Tier.P3], warning_share=0.75, rescore_at=rescore, now=T0)
    out = advance(row, clock, works, rescore)
    (event,) = out.events
    assert isinstance(event, TierRaised)
    assert (RiseCause.REGULATORY_CLOCK, Tier.P1, "P1") == (event.cause, event.tier, row.tier)
    assert event.detail.startswith("regulatory clock running down (due 2026-11-26T09:00:00")
    assert (["tier_raised"], ["rescore"]) == ([c.action for c in out.changes], fired_kinds(out))
    assert rescore + SLA[Tier.P1].acknowledge == row.acknowledge_by


def test_no_rise_no_event() -> None:
    """A re-score that keeps the tier emits nothing and leaves the deadlines."""
    row, works = p3_row(regulatory_deadline=T0 + timedelta(days=9)), Works(risen=Tier.P3)
    clock = new_clock(row, SLA[Tier.P3], warning_share=0.75, rescore_at=T0, now=T0)
    out = advance(row, clock, works, T0 + timedelta(minutes=1))
    assert ([], T0 + SLA[Tier.P3].acknowledge) == (out.events, row.acknowledge_by)


def test_a_hostile_title_travels_as_data() -> None:
    """Markup and control characters in the title reach the event unchanged (templates escape)."""
    title = "<script>alert(1)</script>\x07" + "x" * 400
    row, works = p3_row(title=title), Works()
    clock = new_clock(row, SLA[Tier.P3], warning_share=0.75, rescore_at=None, now=T0)
    merged_to_p0(row)
    (event,) = advance(row, clock, works, T0 + timedelta(hours=2)).events
    assert isinstance(event, TierRaised)
    assert title == event.escalation.title


def test_level_one_in_a_repeat_round_reaches_the_levels_people() -> None:
    """Level 1 paged again in round 2 reached its on-duty people: a rise tells them again."""
    row = p3_row(status="escalated", policy_snapshot={**TWO_LEVELS, "repeat": 1})
    works = Works()
    clock = new_clock(row, SLA[Tier.P3], warning_share=0.75, rescore_at=None, now=T0)
    clock.progress = {"level": 1, "round": 1, "warned": ["acknowledge"], "breached": []}
    merged_to_p0(row)
    (event,) = advance(row, clock, works, T0 + timedelta(hours=16, minutes=1)).events
    assert isinstance(event, TierRaised)
    assert (1, 2, ("aoife", "bruno")) == (event.level, event.round, event.targets)

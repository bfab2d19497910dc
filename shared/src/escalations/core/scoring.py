"""Priority scoring: score, tier, a reason per factor, and deadlines.

The rules: docs/contract/priority-and-assignment.md.

Tier = the most urgent of the score tier (after the stakeholder ceiling), the floors that
fire and the deadline tier of the regulatory clock at ``at``. Time comes in as arguments:
``received_at`` (intake time, when the SLA starts) and ``at`` (now), so re-scoring on a
timer raises an escalation as its clock runs down, and re-scoring with more ``reports``
accounts for merged duplicates.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from escalations.core.durations import format_duration
from escalations.core.escalation import EscalationIn, Imminence, Minors, SourceKind, Tier
from escalations.core.priority_config import DeadlineTier, PriorityConfig
from escalations.core.scoring_factors import (
    Reason,
    RegulatoryClock,
    attention_points,
    effective_severity,
    fires,
    harm_core,
    regulatory_clock,
    report_points,
    require_aware,
    signal_points,
)

__all__ = [
    "Deadlines",
    "Priority",
    "Reason",
    "RegulatoryClock",
    "next_rescore_at",
    "next_rise",
    "score",
]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Deadlines(BaseModel):
    """When the escalation must be acknowledged and resolved, and its regulatory clock."""

    model_config = _FROZEN

    acknowledge_by: datetime
    resolve_by: datetime
    regulatory_deadline: datetime | None


class Priority(BaseModel):
    """Tier, score and reasons, with deadlines; ``tier_since`` is when the tier's SLA started."""

    model_config = _FROZEN

    tier: Tier
    score: int
    reasons: tuple[Reason, ...]
    deadlines: Deadlines
    tier_since: datetime


def score(
    esc: EscalationIn,
    *,
    source_kind: SourceKind,
    received_at: datetime,
    at: datetime,
    reports: int = 1,
    config: PriorityConfig,
) -> Priority:
    """Score an escalation at instant ``at`` and derive its tier and deadlines."""
    require_aware(received_at=received_at, at=at)
    if reports < 1:
        raise ValueError(f"reports must be at least 1 (the original report), got {reports}")
    severity = effective_severity(config.policy_areas[esc.policy_area], esc)
    reasons = harm_core(esc, severity, config)
    reasons += signal_points(esc, source_kind, config)
    reasons += report_points(reports, config)
    reasons += attention_points(esc, source_kind, config)
    value = min(100, max(0, math.floor(sum(reason.points for reason in reasons) + 0.5)))
    base, rules = _base_tier(esc, source_kind, severity, value, config)
    clock = regulatory_clock(esc, received_at=received_at, config=config)
    held = [(base, received_at)]
    if clock is not None:
        held += _deadline_tiers(clock, base, received_at, at, config, rules)
    tier, since = min(held, key=lambda pair: pair[0].rank)
    return Priority(
        tier=tier,
        score=value,
        reasons=(*reasons, *rules),
        deadlines=_deadlines(held, clock, config),
        tier_since=since,
    )


def _base_tier(
    esc: EscalationIn, source_kind: SourceKind, severity: int, value: int, config: PriorityConfig
) -> tuple[Tier, list[Reason]]:
    tier = config.tiers.tier_for(value)
    rules = [Reason(factor="score_tier", points=0, detail=f"score {value} -> {tier.value}")]
    floors = config.floors_for(esc.policy_area, esc.regulatory.regime, source_kind)
    fired = [rule for rule in floors if fires(rule, esc, source_kind, severity)]
    for rule in fired:
        detail = f"{rule.name}: {rule.detail or 'floor'} -> at least {rule.tier.value}"
        rules.append(Reason(factor="floor", points=0, detail=detail))
        tier = tier.most_urgent(rule.tier)
    clock = esc.regulatory.deadline is not None or config.clocks.get(esc.regulatory.regime)
    if not fired and not clock and _stakeholder_only(esc, source_kind, severity, config):
        ceiling = config.ceiling.tier
        if tier.rank < ceiling.rank:
            detail = (
                f"severity {severity}, no clock, no floor, no risk signal: "
                f"{tier.value} capped at {ceiling.value}"
            )
            rules.append(Reason(factor="ceiling", points=0, detail=detail))
            tier = ceiling
    return tier, rules


def _stakeholder_only(
    esc: EscalationIn, source_kind: SourceKind, severity: int, config: PriorityConfig
) -> bool:
    ceiling = config.ceiling
    signals = esc.signals
    return (
        ceiling.enabled
        and severity <= ceiling.max_severity
        and source_kind not in ceiling.exempt_sources
        and signals.imminence is Imminence.NONE
        and signals.minors is Minors.NONE
        and not signals.at_risk_user
    )


def _deadline_tiers(
    clock: RegulatoryClock,
    base: Tier,
    received_at: datetime,
    at: datetime,
    config: PriorityConfig,
    rules: list[Reason],
) -> list[tuple[Tier, datetime]]:
    """Return each deadline tier reached by ``at`` above ``base``, with when it was reached."""
    left = clock.deadline - at
    reached = [rule for rule in config.deadline_tiers if _reached(rule, left)]
    if not reached:
        return []
    urgent = min(reached, key=lambda rule: rule.tier.rank)
    left_text, tier = format_duration(left), urgent.tier.value
    detail = f"{left_text} left on the regulatory clock -> at least {tier}"
    if urgent.within is None:
        detail = f"regulatory clock running ({left_text} left) -> at least {tier}"
    rules.append(Reason(factor="deadline_tier", points=0, detail=detail))
    return [
        (rule.tier, _held_since(rule, clock, received_at))
        for rule in reached
        if rule.tier.rank < base.rank
    ]


def _reached(rule: DeadlineTier, left: timedelta) -> bool:
    """Return whether a clock with ``left`` to run holds the rule's tier (no ``within``: any)."""
    return rule.within is None or left <= rule.within


def _held_since(rule: DeadlineTier, clock: RegulatoryClock, received_at: datetime) -> datetime:
    """Return when the rule's tier started: a tier held while any clock runs, at intake."""
    if rule.within is None:
        return received_at
    return max(received_at, clock.deadline - rule.within)


def _deadlines(
    held: list[tuple[Tier, datetime]], clock: RegulatoryClock | None, config: PriorityConfig
) -> Deadlines:
    # Each tier held so far starts its own SLA; the earliest deadline wins, so a rising tier
    # only ever tightens the deadlines.
    acknowledge_by = min(since + config.sla[tier].acknowledge for tier, since in held)
    resolve_by = min(since + config.sla[tier].resolve for tier, since in held)
    if clock is None:
        return Deadlines(
            acknowledge_by=acknowledge_by, resolve_by=resolve_by, regulatory_deadline=None
        )
    window = clock.deadline - clock.started_at
    buffer = max(window * config.resolve_buffer_share, config.resolve_buffer_min)
    return Deadlines(
        acknowledge_by=min(acknowledge_by, clock.deadline),
        resolve_by=min(resolve_by, clock.deadline - buffer),
        regulatory_deadline=clock.deadline,
    )


def next_rescore_at(
    esc: EscalationIn,
    *,
    source_kind: SourceKind,
    received_at: datetime,
    at: datetime,
    reports: int = 1,
    config: PriorityConfig,
) -> datetime | None:
    """Return the next instant after ``at`` when the deadline tier raises the tier, or None."""
    current = score(
        esc, source_kind=source_kind, received_at=received_at, at=at, reports=reports, config=config
    )
    return next_rise(current, at=at, config=config)


def next_rise(priority: Priority, *, at: datetime, config: PriorityConfig) -> datetime | None:
    """Return when the regulatory clock next lifts this priority's tier, or None."""
    deadline = priority.deadlines.regulatory_deadline
    if deadline is None:
        return None
    for rule in sorted(config.deadline_tiers, key=lambda rule: rule.tier.rank, reverse=True):
        if rule.within is None:
            continue  # held from the start of the clock: never a rise later on
        instant = deadline - rule.within
        if instant > at and rule.tier.rank < priority.tier.rank:
            return instant
    return None

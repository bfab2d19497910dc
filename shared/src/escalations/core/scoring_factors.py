"""The factors of the priority score, each a list of ``Reason``.

The factors: docs/contract/priority-and-assignment.md, "Score".

Each factor is non-decreasing in its input (reach, signals, likelihood, reports), which is
what makes the whole score monotone. Points are rounded to 0.1 per factor so the reasons a
lead reads add up exactly to the score.
"""

from __future__ import annotations

import math
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from escalations.core.escalation import EscalationIn, Imminence, Minors, SourceKind
from escalations.core.priority_config import PolicyAreaConfig, PriorityConfig
from escalations.core.priority_floors import FloorRule

_FROZEN = ConfigDict(frozen=True, extra="forbid")
_IMMINENCE_RANK = {level: rank for rank, level in enumerate(Imminence)}
_MINORS_RANK = {level: rank for rank, level in enumerate(Minors)}


class Reason(BaseModel):
    """One factor's points or one rule that fired (points 0 for rules)."""

    model_config = _FROZEN

    factor: str
    points: float
    detail: str


class RegulatoryClock(BaseModel):
    """A running regulatory clock: when it started and when it runs out."""

    model_config = _FROZEN

    started_at: datetime
    deadline: datetime


def require_aware(**stamps: datetime) -> None:
    """Raise if a timestamp has no time zone, naming the argument."""
    for name, stamp in stamps.items():
        if stamp.utcoffset() is None:
            raise ValueError(f"{name} needs a time zone, e.g. 2026-11-25T09:14:00Z")


def regulatory_clock(
    esc: EscalationIn, *, received_at: datetime, config: PriorityConfig
) -> RegulatoryClock | None:
    """Return the escalation's clock: explicit deadline, else the regime's length, else None."""
    regulatory = esc.regulatory
    started = regulatory.received_at or received_at
    if regulatory.deadline is not None:
        return RegulatoryClock(started_at=started, deadline=regulatory.deadline)
    length = config.clocks.get(regulatory.regime)
    if length is None:
        return None
    return RegulatoryClock(started_at=started, deadline=started + length)


def effective_severity(area: PolicyAreaConfig, esc: EscalationIn) -> int:
    """Return the area's severity, raised where a signal shows the worse form of the harm."""
    severity = area.severity
    for raise_ in area.raises:
        if _at_least_imminence(esc, raise_.imminence_at_least) and _at_least_minors(
            esc, raise_.minors_at_least
        ):
            severity = max(severity, raise_.severity)
    return severity


def _at_least_imminence(esc: EscalationIn, level: Imminence | None) -> bool:
    return level is None or _IMMINENCE_RANK[esc.signals.imminence] >= _IMMINENCE_RANK[level]


def _at_least_minors(esc: EscalationIn, level: Minors | None) -> bool:
    return level is None or _MINORS_RANK[esc.signals.minors] >= _MINORS_RANK[level]


def fires(rule: FloorRule, esc: EscalationIn, source_kind: SourceKind, severity: int) -> bool:
    """Return whether every condition of a floor rule holds."""
    return (
        (rule.policy_areas is None or esc.policy_area in rule.policy_areas)
        and (rule.regimes is None or esc.regulatory.regime in rule.regimes)
        and (rule.source_kinds is None or source_kind in rule.source_kinds)
        and _at_least_imminence(esc, rule.imminence_at_least)
        and _at_least_minors(esc, rule.minors_at_least)
        and (rule.ongoing is None or esc.signals.ongoing == rule.ongoing)
        and (rule.min_severity is None or severity >= rule.min_severity)
    )


def round_points(points: float) -> float:
    """Round points to 0.1, half up."""
    # Rounding each factor to 0.1 keeps the listed reasons summing exactly to the score.
    return math.floor(points * 10 + 0.5) / 10


def harm_core(esc: EscalationIn, severity: int, config: PriorityConfig) -> list[Reason]:
    """Return severity, reach and actor-scale points, damped by violation likelihood."""
    weights = config.weights
    reach = esc.reach
    severity_pts = round_points(weights.severity_points[severity])
    reach_pts = round_points(
        min(
            weights.reach_cap,
            weights.reach_points_per_decade * math.log10(1 + reach.impressions_24h),
        )
    )
    actor_pts = round_points(
        min(
            weights.actor_cap,
            weights.accounts_points_per_decade * math.log10(reach.accounts_involved)
            + weights.followers_points_per_decade * math.log10(1 + reach.followers),
        )
    )
    likelihood = esc.signals.violation_likelihood
    factor = weights.damping_floor + (1 - weights.damping_floor) * likelihood
    core = severity_pts + reach_pts + actor_pts
    damping = round_points(round_points(core * factor) - core)
    area = esc.policy_area.value
    reasons = [Reason(factor="severity", points=severity_pts, detail=f"{area} severity {severity}")]
    if reach_pts:
        detail = f"{reach.impressions_24h} impressions in 24 h (log scale)"
        reasons.append(Reason(factor="reach", points=reach_pts, detail=detail))
    if actor_pts:
        detail = f"{reach.accounts_involved} account(s), {reach.followers} followers"
        reasons.append(Reason(factor="actor_scale", points=actor_pts, detail=detail))
    if damping:
        detail = f"harm core {core:.1f} x {factor:.2f} (violation likelihood {likelihood:.2f})"
        reasons.append(Reason(factor="violation_likelihood", points=damping, detail=detail))
    return reasons


def signal_points(
    esc: EscalationIn, source_kind: SourceKind, config: PriorityConfig
) -> list[Reason]:
    """Return the points for imminence, vulnerability, source kind and legal exposure."""
    weights = config.weights
    signals = esc.signals
    regime = esc.regulatory.regime
    at_risk = weights.at_risk_user_points if signals.at_risk_user else 0.0
    imminence = signals.imminence
    candidates = [
        ("imminence", weights.imminence_points[imminence], f"imminence {imminence.value}"),
        ("minors", weights.minors_points[signals.minors], f"minors {signals.minors.value}"),
        ("at_risk_user", at_risk, "the user is at risk"),
        ("source", weights.source_points.get(source_kind, 0.0), f"source {source_kind.value}"),
        ("legal_exposure", weights.legal_exposure_points.get(regime, 0.0), regime.value),
    ]
    return [
        Reason(factor=factor, points=round_points(points), detail=detail)
        for factor, points, detail in candidates
        if round_points(points)
    ]


def report_points(reports: int, config: PriorityConfig) -> list[Reason]:
    """Return the diminishing points for duplicate reports beyond the first."""
    weights = config.weights
    points = round_points(
        min(weights.report_cap, weights.report_points_per_doubling * math.log2(reports))
    )
    if not points:
        return []
    detail = f"{reports} reports (diminishing, at most {weights.report_cap:g})"
    return [Reason(factor="reports", points=points, detail=detail)]


def attention_points(
    esc: EscalationIn, source_kind: SourceKind, config: PriorityConfig
) -> list[Reason]:
    """Return the stakeholder-attention points, capped so pressure cannot buy urgency."""
    weights = config.weights
    active = {name for name in weights.attention_points if getattr(esc.signals, name, False)}
    from_source = weights.attention_from_source.get(source_kind)
    if from_source is not None:
        active.add(from_source)
    if not active:
        return []
    raw = sum(weights.attention_points[name] for name in active)
    points = round_points(min(weights.attention_cap, raw))
    names = ", ".join(sorted(active))
    detail = f"stakeholder attention ({names}) {raw:g}, capped at {weights.attention_cap:g}"
    return [Reason(factor="attention", points=points, detail=detail)]

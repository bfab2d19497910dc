"""A rising tier in the router: the clock re-anchored, the deadlines tightened, the level told.

Two things raise an escalation's tier: a repeat report merged into it (``state.on_received``
sets the row's tier) and its regulatory clock running down (``regulatory_rise``, on the
re-score timer). Either way ``timers.advance`` then finds the row's tier above the clock's
and calls ``raise_tier``: the core (``rising.rise``) keeps the policy's level, runs the new
tier's budgets from the rise and never moves a deadline later, and the router records one
history entry and one ``escalation.tier_raised`` for the level's people
(docs/router.md, "A rising tier"). No I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from escalations.contracts.events import RiseCause, Status, TierRaised
from escalations.core.escalation import Tier
from escalations.core.policy import EscalationPolicy, PolicyProgress
from escalations.core.priority_config import TierSla
from escalations.core.rising import rise
from escalations.core.scoring import Deadlines as CoreDeadlines
from escalations_router.domain.outcome import SYSTEM, Change, Outcome
from escalations_router.domain.records import Clock, Escalation
from escalations_router.domain.views import summary


@dataclass(frozen=True)
class Rise:
    """The priority of an escalation scored again at a later instant.

    No deadlines: a rise runs the new tier's budgets from its own instant (``raise_tier``).
    """

    tier: Tier
    score: int
    reasons: list[dict[str, Any]]
    next_rise: datetime | None


class Clockwork(Protocol):
    """What the clocks ask of the configuration and the core."""

    def sla(self, tier: Tier) -> TierSla:
        """Return the tier's acknowledge and resolve budgets."""
        ...

    def level_targets(
        self, team: str | None, policy: EscalationPolicy, level: int, at: datetime
    ) -> tuple[str, ...]:
        """Return who level ``level`` (from 1) of the snapshotted policy pages at ``at``."""
        ...

    def rise(self, row: Escalation, at: datetime) -> Rise:
        """Score the escalation again at ``at`` (its regulatory clock has run down)."""
        ...


def regulatory_rise(row: Escalation, clock: Clock, works: Clockwork, now: datetime) -> str | None:
    """Score the escalation again as its clock runs down; return why its tier rose, or None.

    Only the row's tier, priority and the clock's next re-score instant change here: the
    deadlines and the policy follow in ``raise_tier``, as for a merged report.
    """
    risen = works.rise(row, now)
    clock.rescore_at = risen.next_rise
    previous = Tier(row.tier)
    tier = previous.most_urgent(risen.tier)
    if tier == previous:
        return None
    row.tier = tier.value
    row.priority = {"tier": tier.value, "score": row.score, "reasons": risen.reasons}
    row.updated_at = now
    row.version += 1
    due = row.regulatory_deadline
    left = "" if due is None else f" (due {due.isoformat()})"
    return f"regulatory clock running down{left}: tier {previous} -> {tier}"


def raise_tier(
    row: Escalation,
    clock: Clock,
    works: Clockwork,
    now: datetime,
    *,
    policy: EscalationPolicy,
    progress: PolicyProgress,
    before: TierSla,
    cause: RiseCause,
    detail: str,
    out: Outcome,
) -> None:
    """Apply a rise the row already carries to its clock and deadlines, and tell the level."""
    previous, tier = Tier(clock.tier), Tier(row.tier)
    sla = works.sla(tier)
    started_at = clock.started_at
    acknowledged = row.status == Status.ACKNOWLEDGED
    risen = rise(
        policy,
        started_at=started_at,
        before=before,
        sla=sla,
        deadlines=CoreDeadlines(
            acknowledge_by=row.acknowledge_by or started_at + before.acknowledge,
            resolve_by=row.resolve_by or started_at + before.resolve,
            regulatory_deadline=row.regulatory_deadline,
        ),
        progress=progress,
        acknowledged=acknowledged,
        at=now,
    )
    clock.tier = tier.value
    clock.acknowledge_seconds = sla.acknowledge.total_seconds()
    clock.resolve_seconds = sla.resolve.total_seconds()
    clock.started_at = risen.started_at
    clock.progress = risen.progress.model_dump(mode="json")
    if not acknowledged:
        row.acknowledge_by = risen.acknowledge_by
    row.resolve_by = risen.resolve_by
    row.updated_at = now
    level, round_ = max(progress.level, 1), progress.round + 1
    targets = () if acknowledged else _targets(row, works, policy, progress, now)
    status = Status(row.status)
    if acknowledged:
        told = "acknowledged: nobody paged again"
    else:
        told = f"notifying level {level} again: {', '.join(targets) or 'nobody on duty'}"
    budget = "regulatory" if cause is RiseCause.REGULATORY_CLOCK else None
    reason = f"{detail}; {told}"
    out.changes.append(Change("tier_raised", SYSTEM, status, status, reason, budget))
    escalation = summary(row)
    out.events.append(
        TierRaised(
            escalation=escalation,
            previous_tier=previous,
            tier=tier,
            score=row.score,
            cause=cause,
            detail=detail[:500],
            level=level,
            round=round_,
            targets=targets,
            deadlines=escalation.deadlines,
            raised_at=now,
        )
    )


def _targets(
    row: Escalation,
    works: Clockwork,
    policy: EscalationPolicy,
    progress: PolicyProgress,
    now: datetime,
) -> tuple[str, ...]:
    """Return who the page in progress reached: the owner at first, else the level's people."""
    level = max(progress.level, 1)
    if level == 1 and progress.round == 0 and row.owner is not None:
        return (row.owner,)  # the assignment paged the owner, as ``escalation.assigned`` does
    targets = works.level_targets(row.team, policy, level, now)
    paged = list((row.assignment or {}).get("paged", []))
    # Remembered like a page (``timers._escalate``), so a person reached may acknowledge.
    row.assignment = {**(row.assignment or {}), "paged": sorted({*paged, *targets})}
    return targets

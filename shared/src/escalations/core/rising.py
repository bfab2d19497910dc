"""A rising tier: the policy keeps its level, and the new tier's budgets run from the rise.

When a merged report or a regulatory clock raises an escalation's tier, the level in
progress is notified again at once (by the caller), the new tier's acknowledge budget runs
from the rise, no deadline moves later, and the SLA warnings are planned again from the rise
(docs/router.md, "A rising tier"). ``policy.step`` walks the pages from a start
instant; ``rise`` moves that start so the level in progress runs out at its new instant and
later levels follow at the new tier's pace. Pure: the instant comes in as an argument.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from escalations.core.policy import Budget, EscalationPolicy, PolicyProgress
from escalations.core.priority_config import TierSla
from escalations.core.scoring import Deadlines


@dataclass(frozen=True, slots=True)
class Risen:
    """The policy's new start, the deadlines and progress after a rise, and the next page.

    ``next_page`` is when the level in progress runs out (the next level, or the
    acknowledge breach after the last one); None when nothing is paged any more.
    """

    started_at: datetime
    acknowledge_by: datetime
    resolve_by: datetime
    next_page: datetime | None
    progress: PolicyProgress


def rise(
    policy: EscalationPolicy,
    *,
    started_at: datetime,
    before: TierSla,
    sla: TierSla,
    deadlines: Deadlines,
    progress: PolicyProgress,
    acknowledged: bool,
    at: datetime,
) -> Risen:
    """Return the clock of an escalation whose tier rose at ``at`` from budgets ``before``.

    Deadlines become the earlier of what they were and ``at`` plus the new budget. The
    level in progress keeps its place; it runs out at the earlier of its old instant and
    ``at`` plus its length under the new tier. A warning whose deadline moved is sent again.
    """
    for name, stamp in (("at", at), ("started_at", started_at)):
        if stamp.utcoffset() is None:
            raise ValueError(f"{name} needs a time zone, e.g. 2026-11-25T09:14:00Z")
    acknowledge_by = min(deadlines.acknowledge_by, at + sla.acknowledge)
    resolve_by = min(deadlines.resolve_by, at + sla.resolve)
    moved: set[Budget] = set()
    if acknowledge_by != deadlines.acknowledge_by:
        moved.add("acknowledge")
    if resolve_by != deadlines.resolve_by:
        moved.add("resolve")
    after = PolicyProgress(
        level=progress.level,
        round=progress.round,
        warned=progress.warned - moved,
        breached=progress.breached,
        raised_at=at,
    )
    if acknowledged:
        return Risen(started_at, acknowledge_by, resolve_by, None, after)
    if progress.level == 0:  # nothing paged yet: level 1 is paged now, at the new pace
        return Risen(at, acknowledge_by, resolve_by, at + _length(policy, 1, sla), after)
    position = (progress.round, progress.level)
    was_due = started_at + _through(policy, before, position)
    next_page = min(was_due, at + _length(policy, progress.level, sla))
    return Risen(
        next_page - _through(policy, sla, position), acknowledge_by, resolve_by, next_page, after
    )


def _length(policy: EscalationPolicy, level: int, sla: TierSla) -> timedelta:
    """Return how long level ``level`` (from 1) lasts under the tier's budgets."""
    levels = policy.levels
    own = levels[min(level, len(levels)) - 1].escalate_after
    return own or sla.acknowledge


def _through(policy: EscalationPolicy, sla: TierSla, position: tuple[int, int]) -> timedelta:
    """Return the time from the first page until the page at ``position`` runs out."""
    total = timedelta(0)
    for here, length in _positions(policy, sla):
        total += length
        if here >= position:
            break
    return total


def _positions(
    policy: EscalationPolicy, sla: TierSla
) -> Iterator[tuple[tuple[int, int], timedelta]]:
    """Yield each page of the policy as (round, level) with its length, in order."""
    for round_ in range(policy.repeat + 1):
        for number, level in enumerate(policy.levels, start=1):
            yield (round_, number), level.escalate_after or sla.acknowledge

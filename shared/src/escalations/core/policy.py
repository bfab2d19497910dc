"""Escalation policies: ordered levels of targets, repeated, then a breach.

The policy's format: docs/contract/configuration.md, "Escalation policy".

The policy in force when an escalation is created is snapshotted with it (as JSON), so a
config reload changes new escalations, not ones already running. Stepping is pure: the
whole timeline follows from the snapshot, the tier's SLA, the deadlines and the start
instant; ``step`` returns what is due at ``at`` beyond what ``progress`` says was done, and
when to wake up next.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from escalations.core.policy_levels import EscalationPolicy, PolicyLevel, PolicyTarget, TargetKind
from escalations.core.priority_config import TierSla
from escalations.core.scoring import Deadlines

_FROZEN = ConfigDict(frozen=True, extra="forbid")

__all__ = [
    "EscalationPolicy",
    "PolicyEvent",
    "PolicyLevel",
    "PolicyProgress",
    "PolicyTarget",
    "StepResult",
    "TargetKind",
    "step",
    "timeline",
]

EventKind = Literal["notify", "sla_warning", "sla_breached"]
Budget = Literal["acknowledge", "resolve", "regulatory"]


class PolicyEvent(BaseModel):
    """One thing the policy does at an instant: page a level, warn, or breach."""

    model_config = _FROZEN

    kind: EventKind
    at: datetime
    level: int | None = None
    round: int | None = None
    targets: tuple[PolicyTarget, ...] = ()
    budget: Budget | None = None


class PolicyProgress(BaseModel):
    """What has been done so far: last level paged (0 = none) in which round, warnings, breaches.

    ``raised_at`` is when the tier last rose: the SLA warnings are planned from it then.
    """

    model_config = _FROZEN

    level: Annotated[int, Field(ge=0)] = 0
    round: Annotated[int, Field(ge=0)] = 0
    warned: frozenset[Budget] = frozenset()
    breached: frozenset[Budget] = frozenset()
    raised_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StepResult:
    """Events due now, the progress after them, and the next timer instant (None: no timer).

    A plain record, not a model: ``step`` makes one for every new escalation and every timer,
    from parts that are already validated.
    """

    due: tuple[PolicyEvent, ...]
    progress: PolicyProgress
    next_timer_at: datetime | None


def timeline(
    policy: EscalationPolicy,
    *,
    started_at: datetime,
    sla: TierSla,
    deadlines: Deadlines,
    warning_share: float,
    acknowledged: bool = False,
    resolved: bool = False,
) -> tuple[PolicyEvent, ...]:
    """List every event of the escalation in time order, given whether it is acknowledged."""
    planned = _plan(
        policy,
        started_at=started_at,
        sla=sla,
        deadlines=deadlines,
        warning_share=warning_share,
        acknowledged=acknowledged,
        resolved=resolved,
    )
    return tuple(event.model() for event in planned)


# ``timeline`` plans with plain tuples, and ``step`` builds tuples only for what is due:
# they cost a fraction of validated models, and only the due ones become ``PolicyEvent``s.
class _Planned(NamedTuple):
    """A timeline entry, before it becomes a ``PolicyEvent``."""

    kind: EventKind
    at: datetime
    level: int | None = None
    round: int | None = None
    targets: tuple[PolicyTarget, ...] = ()
    budget: Budget | None = None

    def model(self) -> PolicyEvent:
        """Return the entry as the public, validated event."""
        return PolicyEvent(
            kind=self.kind,
            at=self.at,
            level=self.level,
            round=self.round,
            targets=self.targets,
            budget=self.budget,
        )


def _plan(
    policy: EscalationPolicy,
    *,
    started_at: datetime,
    sla: TierSla,
    deadlines: Deadlines,
    warning_share: float,
    acknowledged: bool,
    resolved: bool,
) -> list[_Planned]:
    _check_plan(started_at, warning_share)
    if resolved:
        return []
    events: list[_Planned] = []
    if not acknowledged:
        events += _pages(policy, started_at, sla)
        events.append(_warning("acknowledge", started_at, deadlines.acknowledge_by, warning_share))
    events.append(_warning("resolve", started_at, deadlines.resolve_by, warning_share))
    events.append(_Planned(kind="sla_breached", at=deadlines.resolve_by, budget="resolve"))
    if deadlines.regulatory_deadline is not None:
        regulatory = deadlines.regulatory_deadline
        events.append(_Planned(kind="sla_breached", at=regulatory, budget="regulatory"))
    return sorted(events, key=lambda event: event.at)


def _check_plan(started_at: datetime, warning_share: float) -> None:
    if started_at.utcoffset() is None:
        raise ValueError("started_at needs a time zone, e.g. 2026-11-25T09:14:00Z")
    if not 0 < warning_share < 1:
        raise ValueError(f"warning_share must be between 0 and 1, got {warning_share}")


def _pages(policy: EscalationPolicy, started_at: datetime, sla: TierSla) -> list[_Planned]:
    events = []
    instant = started_at
    for round_ in range(policy.repeat + 1):
        for number, level in enumerate(policy.levels, start=1):
            events.append(
                _Planned(
                    kind="notify", at=instant, level=number, round=round_, targets=level.targets
                )
            )
            instant += level.escalate_after or sla.acknowledge
    # The policy ran out with nobody acknowledging: that is the acknowledge breach.
    events.append(_Planned(kind="sla_breached", at=instant, budget="acknowledge"))
    return events


def _warning(budget: Budget, start: datetime, deadline: datetime, share: float) -> _Planned:
    return _Planned(kind="sla_warning", at=_warning_at(start, deadline, share), budget=budget)


def _warning_at(start: datetime, deadline: datetime, share: float) -> datetime:
    return start + max(deadline - start, timedelta(0)) * share


def step(
    policy: EscalationPolicy,
    *,
    started_at: datetime,
    sla: TierSla,
    deadlines: Deadlines,
    warning_share: float,
    progress: PolicyProgress,
    acknowledged: bool,
    at: datetime,
    resolved: bool = False,
) -> StepResult:
    """Return the events due by ``at`` that ``progress`` has not done, and the next timer.

    The same as filtering ``timeline``, in one pass that builds only what is due: it runs
    for every new escalation and every timer. Pages come in time order (every level lasts
    a positive duration), so the walk through them stops at the first one still to come.
    """
    if at.utcoffset() is None:
        raise ValueError("at needs a time zone, e.g. 2026-11-25T09:14:00Z")
    _check_plan(started_at, warning_share)
    if resolved:
        return StepResult(due=(), progress=progress, next_timer_at=None)
    due: list[_Planned] = []
    later: datetime | None = None
    warned_from = progress.raised_at or started_at  # a rise re-plans the warnings from it
    if not acknowledged:
        instant, paged = started_at, (progress.round, progress.level)
        coming = False
        for round_ in range(policy.repeat + 1):
            for number, level in enumerate(policy.levels, start=1):
                if (round_, number) > paged:
                    if instant > at:
                        later, coming = instant, True
                        break
                    due.append(_Planned("notify", instant, number, round_, level.targets))
                instant += level.escalate_after or sla.acknowledge
            if coming:
                break
        else:  # every page is behind: the acknowledge breach follows the last one
            if "acknowledge" not in progress.breached:
                if instant <= at:
                    due.append(_Planned("sla_breached", instant, budget="acknowledge"))
                else:
                    later = instant
        if "acknowledge" not in progress.warned:
            instant = _warning_at(warned_from, deadlines.acknowledge_by, warning_share)
            if instant <= at:
                due.append(_Planned("sla_warning", instant, budget="acknowledge"))
            elif later is None or instant < later:
                later = instant
    closing: list[tuple[datetime | None, Budget, EventKind, bool]] = [
        (
            _warning_at(warned_from, deadlines.resolve_by, warning_share),
            "resolve",
            "sla_warning",
            "resolve" in progress.warned,
        ),
        (deadlines.resolve_by, "resolve", "sla_breached", "resolve" in progress.breached),
        (
            deadlines.regulatory_deadline,
            "regulatory",
            "sla_breached",
            "regulatory" in progress.breached,
        ),
    ]
    for instant_or_none, budget, kind, done in closing:
        if instant_or_none is None or done:
            continue
        if instant_or_none <= at:
            due.append(_Planned(kind, instant_or_none, budget=budget))
        elif later is None or instant_or_none < later:
            later = instant_or_none
    due.sort(key=_at)  # stable: ties keep the timeline's order
    events = tuple(event.model() for event in due)
    return StepResult(due=events, progress=_advance(progress, events), next_timer_at=later)


def _at(event: _Planned) -> datetime:
    return event.at


def _advance(progress: PolicyProgress, due: tuple[PolicyEvent, ...]) -> PolicyProgress:
    if not due:
        return progress  # the same object: callers skip writing back what did not change
    level, round_ = progress.level, progress.round
    warned, breached = set(progress.warned), set(progress.breached)
    for event in due:
        if event.kind == "notify":
            level, round_ = event.level or 0, event.round or 0
        elif event.budget is not None:
            (warned if event.kind == "sla_warning" else breached).add(event.budget)
    return PolicyProgress(
        level=level,
        round=round_,
        warned=frozenset(warned),
        breached=frozenset(breached),
        raised_at=progress.raised_at,
    )

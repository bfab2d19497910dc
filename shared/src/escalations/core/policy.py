"""Escalation policies (SPEC §4): ordered levels of targets, repeated, then a breach.

The policy in force when an escalation is created is snapshotted with it (as JSON), so a
config reload changes new escalations, not ones already running. Stepping is pure: the
whole timeline follows from the snapshot, the tier's SLA, the deadlines and the start
instant; ``step`` returns what is due at ``at`` beyond what ``progress`` says was done, and
when to wake up next.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, model_validator

from escalations.core.durations import Duration
from escalations.core.priority_config import TierSla
from escalations.core.scoring import Deadlines

_FROZEN = ConfigDict(frozen=True, extra="forbid")

TargetKind = Literal["schedule", "team", "person"]


class PolicyTarget(BaseModel):
    """Who a level pages: this team's on-duty people, another team's, or one person."""

    model_config = _FROZEN

    kind: TargetKind
    id: Annotated[str, Field(min_length=1, max_length=80)] | None = None

    @model_validator(mode="after")
    def _id_fits_kind(self) -> PolicyTarget:
        if self.kind == "schedule" and self.id is not None:
            raise ValueError(
                "a 'schedule' target pages this team's on-duty people and takes no id; "
                "use kind 'team' with an id for another team"
            )
        if self.kind != "schedule" and self.id is None:
            raise ValueError(f"a '{self.kind}' target needs an id naming the {self.kind}")
        return self


class PolicyLevel(BaseModel):
    """One level: its targets, paged together.

    The level lasts the tier's acknowledge budget unless ``escalate_after`` sets its own.
    """

    model_config = _FROZEN

    targets: Annotated[tuple[PolicyTarget, ...], Field(min_length=1)]
    escalate_after: Duration | None = None


class EscalationPolicy(BaseModel):
    """Ordered levels, gone through ``repeat + 1`` times before the acknowledge breach."""

    model_config = _FROZEN

    levels: Annotated[tuple[PolicyLevel, ...], Field(min_length=1)] = (
        PolicyLevel(targets=(PolicyTarget(kind="schedule"),)),
    )
    repeat: Annotated[int, Field(ge=0, le=10)] = 0


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
    """What has been done so far: last level paged (0 = none) in which round, warnings, breaches."""

    model_config = _FROZEN

    level: Annotated[int, Field(ge=0)] = 0
    round: Annotated[int, Field(ge=0)] = 0
    warned: frozenset[Budget] = frozenset()
    breached: frozenset[Budget] = frozenset()


class StepResult(BaseModel):
    """Events due now, the progress after them, and the next timer instant (None: no timer)."""

    model_config = _FROZEN

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


# ``step`` plans the whole timeline on every new escalation and every timer but returns
# only the few entries that are due: plain tuples cost a fraction of validated models, and
# only the due ones become ``PolicyEvent``s.
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
    if started_at.utcoffset() is None:
        raise ValueError("started_at needs a time zone, e.g. 2026-11-25T09:14:00Z")
    if not 0 < warning_share < 1:
        raise ValueError(f"warning_share must be between 0 and 1, got {warning_share}")
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
    instant = start + max(deadline - start, timedelta(0)) * share
    return _Planned(kind="sla_warning", at=instant, budget=budget)


def _done(event: _Planned, progress: PolicyProgress) -> bool:
    if event.kind == "notify":
        return (event.round or 0, event.level or 0) <= (progress.round, progress.level)
    done = progress.warned if event.kind == "sla_warning" else progress.breached
    return event.budget in done


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
    """Return the events due by ``at`` that ``progress`` has not done, and the next timer."""
    if at.utcoffset() is None:
        raise ValueError("at needs a time zone, e.g. 2026-11-25T09:14:00Z")
    events = _plan(
        policy,
        started_at=started_at,
        sla=sla,
        deadlines=deadlines,
        warning_share=warning_share,
        acknowledged=acknowledged,
        resolved=resolved,
    )
    pending = [event for event in events if not _done(event, progress)]
    due = tuple(event.model() for event in pending if event.at <= at)
    later = [event.at for event in pending if event.at > at]
    return StepResult(
        due=due, progress=_advance(progress, due), next_timer_at=min(later, default=None)
    )


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
        level=level, round=round_, warned=frozenset(warned), breached=frozenset(breached)
    )

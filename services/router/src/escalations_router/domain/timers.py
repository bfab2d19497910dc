"""Durable escalation clocks: what is due at an instant, and its effects. No I/O.

Each escalation has one clock (``records.Clock``): the escalation policy's progress,
the tier's SLA budget taken when the tier was set, and the instant of its next timer.
``advance`` asks the core (``policy.step``) what is due by ``now`` beyond the stored
progress, applies it to the escalation (escalate, warn, breach, raise the tier as a regulatory
clock runs down) and stores the next instant. The caller holds the escalation's lock and
commits the clock, the escalation, the history and the outbox together, so a timer fires once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from escalations.contracts.events import (
    EscalationEscalated,
    RiseCause,
    SlaBreached,
    SlaKind,
    SlaWarning,
    Status,
)
from escalations.core.policy import PolicyEvent, PolicyProgress, step
from escalations.core.priority_config import TierSla
from escalations_router.domain.clock_values import (
    deadlines_of,
    fresh_progress,
    policy,
    progress_of,
    sla_of,
)
from escalations_router.domain.outcome import SYSTEM, Change, Outcome
from escalations_router.domain.records import Clock, Escalation
from escalations_router.domain.rise import Clockwork, raise_tier, regulatory_rise
from escalations_router.domain.views import summary


def new_clock(
    row: Escalation,
    sla: TierSla,
    *,
    warning_share: float,
    rescore_at: datetime | None,
    now: datetime,
) -> Clock:
    """Return the clock of a new escalation: level 1 is paged by the assignment itself."""
    return Clock(
        escalation_id=row.id,
        due_at=None,
        started_at=now,
        tier=row.tier,
        acknowledge_seconds=sla.acknowledge.total_seconds(),
        resolve_seconds=sla.resolve.total_seconds(),
        warning_share=warning_share,
        progress=fresh_progress(),
        rescore_at=rescore_at,
        fired=0,
        updated_at=now,
    )


def restart(row: Escalation, clock: Clock, now: datetime) -> None:
    """Give a reassigned escalation's new owner a fresh acknowledge budget from level 1."""
    progress = PolicyProgress.model_validate(clock.progress)
    clock.started_at = now
    clock.progress = PolicyProgress(
        level=1,
        warned=progress.warned - {"acknowledge"},
        breached=progress.breached - {"acknowledge"},
    ).model_dump(mode="json")
    row.acknowledge_by = now + timedelta(seconds=clock.acknowledge_seconds)
    row.level = 1


def advance(row: Escalation, clock: Clock, works: Clockwork, now: datetime) -> Outcome:
    """Apply what is due by ``now``; set the clock's next instant (None: nothing left)."""
    out = Outcome(row)
    if row.status == Status.RESOLVED:
        clock.due_at = clock.rescore_at = None
        return out
    risen_by_clock = None
    if clock.rescore_at is not None and clock.rescore_at <= now:
        risen_by_clock = regulatory_rise(row, clock, works, now)
    if clock.tier != row.tier:
        _rise(row, clock, works, now, risen_by_clock, out)
    sla = sla_of(clock)
    progress = progress_of(clock.progress)
    result = step(
        policy(row),
        started_at=clock.started_at,
        sla=sla,
        deadlines=deadlines_of(row, clock, sla),
        warning_share=clock.warning_share,
        progress=progress,
        acknowledged=row.status == Status.ACKNOWLEDGED,
        at=now,
    )
    pages = [event for event in result.due if event.kind == "notify"]
    if pages:
        # After an outage several levels can be due at once: page only the latest.
        _escalate(row, pages[-1], works, now, out)
    for event in result.due:
        if event.kind != "notify":
            _sla_event(row, event, clock.warning_share, now, out)
    if result.progress is not progress:  # nothing due: the same object, nothing to write
        clock.progress = result.progress.model_dump(mode="json")
    if result.due:
        clock.fired += len(result.due)
    clock.due_at = _earliest(result.next_timer_at, clock.rescore_at)
    clock.updated_at = now
    return out


def fired_kinds(out: Outcome) -> list[str]:
    """Return the timer kinds an outcome fired, for the ``router_timers_fired_total`` metric."""
    kinds = {"escalated": "escalate", "sla_warning": "sla_warning", "sla_breached": "sla_breach"}
    fired = [kinds[c.action] for c in out.changes if c.action in kinds]
    # A rise by the regulatory clock is the re-score timer; one by a merged report is not.
    rescores = [c for c in out.changes if c.action == "tier_raised" and c.budget == "regulatory"]
    return fired + ["rescore"] * len(rescores)


def _earliest(*instants: datetime | None) -> datetime | None:
    return min((i for i in instants if i is not None), default=None)


def _rise(
    row: Escalation,
    clock: Clock,
    works: Clockwork,
    now: datetime,
    by_clock: str | None,
    out: Outcome,
) -> None:
    """Apply the row's new tier to the clock: a rise, by a merged report or the clock."""
    # Only a merged report (``state.on_received``) or the regulatory clock sets the tier.
    if by_clock is None:
        cause = RiseCause.REPORT
        detail = f"report {row.reports} merged: tier {clock.tier} -> {row.tier}"
    else:
        cause, detail = RiseCause.REGULATORY_CLOCK, by_clock
    raise_tier(
        row,
        clock,
        works,
        now,
        policy=policy(row),
        progress=progress_of(clock.progress),
        before=sla_of(clock),
        cause=cause,
        detail=detail,
        out=out,
    )


def _escalate(
    row: Escalation, page: PolicyEvent, works: Clockwork, now: datetime, out: Outcome
) -> None:
    level, round_ = page.level or 1, (page.round or 0) + 1
    targets = works.level_targets(row.team, policy(row), level, now)
    status = Status(row.status)
    row.level = level
    row.status = Status.ESCALATED.value
    row.updated_at = now
    row.version += 1
    paged = list(row.assignment.get("paged", [])) if row.assignment else []
    row.assignment = {**(row.assignment or {}), "paged": sorted({*paged, *targets})}
    who = ", ".join(targets) or "nobody on duty"
    reason = f"not acknowledged in time: paging level {level} (round {round_}): {who}"
    out.changes.append(Change("escalated", SYSTEM, status, Status.ESCALATED, reason))
    out.events.append(
        EscalationEscalated(escalation=summary(row), level=level, round=round_, targets=targets)
    )


def _sla_event(
    row: Escalation, event: PolicyEvent, share: float, now: datetime, out: Outcome
) -> None:
    kind = SlaKind(event.budget or "resolve")
    due_at = {
        SlaKind.ACKNOWLEDGE: row.acknowledge_by,
        SlaKind.RESOLVE: row.resolve_by,
        SlaKind.REGULATORY: row.regulatory_deadline,
    }[kind] or event.at
    if kind is SlaKind.ACKNOWLEDGE and event.kind == "sla_breached":
        due_at = event.at  # the policy ran out of levels: that instant is the breach
    status = Status(row.status)
    if event.kind == "sla_warning":
        reason = f"{kind.value} budget {round(100 * share)} % used; due {due_at.isoformat()}"
        out.changes.append(Change("sla_warning", SYSTEM, status, status, reason, kind.value))
        out.events.append(SlaWarning(escalation=summary(row), kind=kind, due_at=due_at))
    else:
        reason = f"{kind.value} deadline {due_at.isoformat()} passed"
        out.changes.append(Change("sla_breached", SYSTEM, status, status, reason, kind.value))
        out.events.append(SlaBreached(escalation=summary(row), kind=kind, due_at=due_at))
    row.updated_at = now

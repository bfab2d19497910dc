"""Durable escalation clocks: what is due at an instant, and its effects. No I/O.

Each escalation has one clock row (``router_clocks``): the escalation policy's progress,
the tier's SLA budget taken when the tier was set, and the instant of its next timer.
``advance`` asks the core (``policy.step``) what is due by ``now`` beyond the stored
progress, applies it to the row (escalate, warn, breach, raise the tier as a regulatory
clock runs down) and stores the next instant. The caller holds the escalation's row lock and
commits the clock, the row, the history and the outbox together, so a timer fires once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import orjson

from escalations.contracts.events import (
    EscalationEscalated,
    RiseCause,
    SlaBreached,
    SlaKind,
    SlaWarning,
    Status,
)
from escalations.core.policy import EscalationPolicy, PolicyEvent, PolicyProgress, step
from escalations.core.priority_config import TierSla
from escalations.core.scoring import Deadlines as CoreDeadlines
from escalations.db.models import EscalationRow
from escalations.db.models_router import ClockRow
from escalations_router.rise import Clockwork, raise_tier, regulatory_rise
from escalations_router.rows import new_row
from escalations_router.state import SYSTEM, Change, Outcome
from escalations_router.views import summary


def new_clock(
    row: EscalationRow,
    sla: TierSla,
    *,
    warning_share: float,
    rescore_at: datetime | None,
    now: datetime,
) -> ClockRow:
    """Return the clock of a new escalation: level 1 is paged by the assignment itself."""
    values = row.__dict__  # every column is there (``rows.new_row``)
    return new_row(
        ClockRow,
        escalation_id=values["id"],
        due_at=None,
        started_at=now,
        tier=values["tier"],
        acknowledge_seconds=sla.acknowledge.total_seconds(),
        resolve_seconds=sla.resolve.total_seconds(),
        warning_share=warning_share,
        progress=_fresh_progress(),
        rescore_at=rescore_at,
        fired=0,
        updated_at=now,
    )


def restart(row: EscalationRow, clock: ClockRow, now: datetime) -> None:
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


def advance(row: EscalationRow, clock: ClockRow, works: Clockwork, now: datetime) -> Outcome:
    """Apply what is due by ``now``; set the clock's next instant (None: nothing left)."""
    out = Outcome(row)
    # Reads go to the instances' __dict__ (every column is there: ``rows.new_row``), not
    # through the ORM's descriptors: this runs for every escalation and every timer. The
    # dicts are live: they see what ``_rise`` and ``_take_sla`` write.
    values, timing = row.__dict__, clock.__dict__
    if values["status"] == Status.RESOLVED:
        clock.due_at = clock.rescore_at = None
        return out
    risen_by_clock = None
    if timing["rescore_at"] is not None and timing["rescore_at"] <= now:
        risen_by_clock = regulatory_rise(row, clock, works, now)
    if timing["tier"] != values["tier"]:
        _rise(row, clock, works, now, risen_by_clock, out)
    sla = _sla_of(clock)
    progress = _progress_of(timing["progress"])
    result = step(
        policy(row),
        started_at=timing["started_at"],
        sla=sla,
        deadlines=_deadlines(row, clock, sla),
        warning_share=timing["warning_share"],
        progress=progress,
        acknowledged=values["status"] == Status.ACKNOWLEDGED,
        at=now,
    )
    pages = [event for event in result.due if event.kind == "notify"]
    if pages:
        # After an outage several levels can be due at once: page only the latest.
        _escalate(row, pages[-1], works, now, out)
    for event in result.due:
        if event.kind != "notify":
            _sla_event(row, event, timing["warning_share"], now, out)
    if result.progress is not progress:  # nothing due: the same object, nothing to write
        clock.progress = result.progress.model_dump(mode="json")
    if result.due:
        clock.fired = timing["fired"] + len(result.due)
    clock.due_at = _earliest(result.next_timer_at, timing["rescore_at"])
    clock.updated_at = now
    return out


def fired_kinds(out: Outcome) -> list[str]:
    """Return the timer kinds an outcome fired, for the ``router_timers_fired_total`` metric."""
    kinds = {"escalated": "escalate", "sla_warning": "sla_warning", "sla_breached": "sla_breach"}
    fired = [kinds[c.action] for c in out.changes if c.action in kinds]
    # A rise by the regulatory clock is the re-score timer; one by a merged report is not.
    rescores = [c for c in out.changes if c.action == "tier_raised" and c.budget == "regulatory"]
    return fired + ["rescore"] * len(rescores)


@lru_cache(maxsize=256)
def _policy_of(snapshot: bytes) -> EscalationPolicy:
    return EscalationPolicy.model_validate_json(snapshot)


def policy(row: EscalationRow) -> EscalationPolicy:
    """Return the row's snapshotted policy (parsed once per distinct snapshot)."""
    return _policy_of(orjson.dumps(row.__dict__["policy_snapshot"] or {}))


def _fresh_progress() -> dict[str, Any]:
    """Return a new clock's progress as stored: level 1 paged (by the assignment itself).

    ``PolicyProgress(level=1).model_dump(mode="json")``, written out: every new escalation
    stores one, and building and dumping the model each time was a hot-path cost.
    """
    return {"level": 1, "round": 0, "warned": [], "breached": [], "raised_at": None}


def _progress_of(stored: dict[str, Any]) -> PolicyProgress:
    """Return a clock's stored progress as the model (frozen, so shared per distinct value)."""
    return _progress_model(
        stored.get("level", 0),
        stored.get("round", 0),
        frozenset(stored.get("warned", ())),
        frozenset(stored.get("breached", ())),
        stored.get("raised_at"),
    )


@lru_cache(maxsize=256)
def _progress_model(
    level: int, round_: int, warned: frozenset[str], breached: frozenset[str], raised_at: str | None
) -> PolicyProgress:
    return PolicyProgress.model_validate(
        {
            "level": level,
            "round": round_,
            "warned": warned,
            "breached": breached,
            "raised_at": raised_at,
        }
    )


def _earliest(*instants: datetime | None) -> datetime | None:
    return min((i for i in instants if i is not None), default=None)


def _sla_of(clock: ClockRow) -> TierSla:
    values = clock.__dict__  # every column is there (``rows.new_row``)
    return _sla(values["acknowledge_seconds"], values["resolve_seconds"])


@lru_cache(maxsize=256)
def _sla(acknowledge_seconds: float, resolve_seconds: float) -> TierSla:
    # Constructed without validation: the budgets were valid when the tier set them. Frozen,
    # so one per distinct pair of budgets is shared.
    return TierSla.model_construct(
        acknowledge=timedelta(seconds=acknowledge_seconds),
        resolve=timedelta(seconds=resolve_seconds),
    )


def _rise(
    row: EscalationRow,
    clock: ClockRow,
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
        progress=_progress_of(clock.progress),
        before=_sla_of(clock),
        cause=cause,
        detail=detail,
        out=out,
    )


def _deadlines(row: EscalationRow, clock: ClockRow, sla: TierSla) -> CoreDeadlines:
    values, started_at = row.__dict__, clock.__dict__["started_at"]
    return CoreDeadlines(
        acknowledge_by=values["acknowledge_by"] or started_at + sla.acknowledge,
        resolve_by=values["resolve_by"] or started_at + sla.resolve,
        regulatory_deadline=values["regulatory_deadline"],
    )


def _escalate(
    row: EscalationRow, page: PolicyEvent, works: Clockwork, now: datetime, out: Outcome
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
    row: EscalationRow, event: PolicyEvent, share: float, now: datetime, out: Outcome
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

"""A rising tier keeps the policy's level and runs the new budgets from the rise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from escalations.core.escalation import Tier
from escalations.core.policy import EscalationPolicy, PolicyProgress, StepResult, step
from escalations.core.priority_config import PriorityConfig, TierSla
from escalations.core.rising import Risen, rise
from escalations.core.scoring import Deadlines

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
SLA = PriorityConfig().sla
P0, P1, P3 = SLA[Tier.P0], SLA[Tier.P1], SLA[Tier.P3]
SINGLE = EscalationPolicy()
TWO_LEVELS = EscalationPolicy.model_validate(
    yaml.safe_load(
        """
        repeat: 1
        levels:
          - targets: [{kind: schedule}]
          - targets: [{kind: person, id: ciaran}]
            escalate_after: 10m
        """
    )
)


def p3_deadlines() -> Deadlines:
    """Return the deadlines of a P3 escalation created at T0 without a regulatory clock."""
    return Deadlines(
        acknowledge_by=T0 + P3.acknowledge, resolve_by=T0 + P3.resolve, regulatory_deadline=None
    )


def raised(
    policy: EscalationPolicy,
    at: datetime,
    *,
    sla: TierSla = P0,
    progress: PolicyProgress | None = None,
    acknowledged: bool = False,
    deadlines: Deadlines | None = None,
) -> Risen:
    """Raise a P3 escalation created at T0 to ``sla``'s tier at ``at``."""
    return rise(
        policy,
        started_at=T0,
        before=P3,
        sla=sla,
        deadlines=deadlines or p3_deadlines(),
        progress=progress or PolicyProgress(level=1),
        acknowledged=acknowledged,
        at=at,
    )


def step_after(policy: EscalationPolicy, risen: Risen, sla: TierSla, at: datetime) -> StepResult:
    """Step the policy at ``at`` from the clock a rise left."""
    return step(
        policy,
        started_at=risen.started_at,
        sla=sla,
        deadlines=Deadlines(
            acknowledge_by=risen.acknowledge_by,
            resolve_by=risen.resolve_by,
            regulatory_deadline=None,
        ),
        warning_share=0.75,
        progress=risen.progress,
        acknowledged=False,
        at=at,
    )


def brief(result: StepResult) -> list[tuple[str, Any]]:
    """Summarise due events as (kind, level or budget)."""
    return [
        (event.kind, event.level if event.kind == "notify" else event.budget)
        for event in result.due
    ]


def test_p3_two_hours_old_raised_to_p0_fires_nothing_at_once() -> None:
    """A P3 created two hours ago and raised to P0 gets 5 min from the rise, not a breach."""
    at = T0 + timedelta(hours=2)
    risen = raised(SINGLE, at)
    expected = (at, at + P0.acknowledge, at + P0.resolve, at + P0.acknowledge)
    assert expected == (
        risen.started_at,
        risen.acknowledge_by,
        risen.resolve_by,
        risen.next_page,
    )
    now = step_after(SINGLE, risen, P0, at)
    assert ([], at + 0.75 * P0.acknowledge) == (brief(now), now.next_timer_at)


def test_warnings_and_breach_follow_the_new_budget_from_the_rise() -> None:
    """After the rise the acknowledge warning comes at 75 % of 5 min, then the breach."""
    at = T0 + timedelta(hours=2)
    risen = raised(SINGLE, at, progress=PolicyProgress(level=1, warned=frozenset({"resolve"})))
    warned = step_after(SINGLE, risen, P0, at + timedelta(minutes=4))
    breached = step_after(SINGLE, risen, P0, at + P0.acknowledge)
    assert [("sla_warning", "acknowledge")] == brief(warned)
    assert [("sla_warning", "acknowledge"), ("sla_breached", "acknowledge")] == brief(breached)


def test_the_level_in_progress_keeps_its_place() -> None:
    """Level 1 of two is not skipped: level 2 is paged when the new acknowledge budget ends."""
    at = T0 + timedelta(hours=2)
    risen = raised(TWO_LEVELS, at, sla=P1)
    assert (at + P1.acknowledge, at + P1.acknowledge) == (risen.next_page, risen.acknowledge_by)
    assert [] == brief(step_after(TWO_LEVELS, risen, P1, at))
    paged = step_after(TWO_LEVELS, risen, P1, at + P1.acknowledge)
    assert [("sla_warning", "acknowledge"), ("notify", 2)] == brief(paged)
    assert at + P1.acknowledge + timedelta(minutes=10) == paged.next_timer_at


def test_a_level_with_its_own_length_never_runs_out_later() -> None:
    """Level 2 (10 min of its own) paged 4 min before the rise still runs out on time."""
    at = T0 + P3.acknowledge + timedelta(minutes=4)
    progress = PolicyProgress(level=2, warned=frozenset({"acknowledge"}))
    risen = raised(TWO_LEVELS, at, sla=P1, progress=progress)
    assert (T0 + P3.acknowledge + timedelta(minutes=10)) == risen.next_page
    assert p3_deadlines().acknowledge_by == risen.acknowledge_by  # passed: never moved
    paged = step_after(TWO_LEVELS, risen, P1, risen.next_page or at)
    assert [("notify", 1)] == brief(paged)


def test_deadlines_never_move_later() -> None:
    """Deadlines already earlier than the new budgets stay, and their warnings are not repeated."""
    at = T0 + timedelta(hours=2)
    early = Deadlines(
        acknowledge_by=at + timedelta(minutes=1),
        resolve_by=at + timedelta(hours=1),
        regulatory_deadline=at + timedelta(hours=2),
    )
    progress = PolicyProgress(level=1, warned=frozenset({"acknowledge", "resolve"}))
    risen = raised(SINGLE, at, progress=progress, deadlines=early)
    assert (early.acknowledge_by, early.resolve_by) == (risen.acknowledge_by, risen.resolve_by)
    assert frozenset({"acknowledge", "resolve"}) == risen.progress.warned


def test_moved_deadlines_are_warned_again() -> None:
    """A warning already sent for the old deadline is planned again for the new one."""
    at = T0 + timedelta(hours=7)
    progress = PolicyProgress(level=1, warned=frozenset({"acknowledge"}), breached=frozenset())
    risen = raised(SINGLE, at, progress=progress)
    assert (frozenset(), at) == (risen.progress.warned, risen.progress.raised_at)


def test_an_acknowledged_escalation_keeps_its_start_and_pages_nobody() -> None:
    """An acknowledged escalation's resolve deadline tightens; no level is paged again."""
    at = T0 + timedelta(hours=2)
    risen = raised(SINGLE, at, acknowledged=True)
    assert (T0, None, at + P0.resolve) == (risen.started_at, risen.next_page, risen.resolve_by)


def test_nothing_paged_yet_pages_level_one_now() -> None:
    """A clock with no level paged starts the policy at the rise."""
    at = T0 + timedelta(hours=2)
    risen = raised(TWO_LEVELS, at, progress=PolicyProgress(level=0))
    assert (at, at + P0.acknowledge) == (risen.started_at, risen.next_page)
    assert [("notify", 1)] == brief(step_after(TWO_LEVELS, risen, P0, at))


def test_naive_rise_instant_is_rejected() -> None:
    """A rise instant without a time zone is an error naming it."""
    with pytest.raises(ValueError, match="at needs a time zone"):
        raised(SINGLE, datetime(2026, 11, 25, 11))


@given(
    elapsed=st.integers(0, int(P3.acknowledge.total_seconds()) - 1),
    level=st.sampled_from([1, 2]),
    round_=st.integers(0, 1),
    tier=st.sampled_from([P0, P1]),
)
def test_a_rise_never_pages_a_later_level_or_breaches_at_once(
    elapsed: int, level: int, round_: int, tier: TierSla
) -> None:
    """Whatever the age at the rise, nothing is paged or breached at the rise instant."""
    at = T0 + timedelta(seconds=elapsed)
    progress = PolicyProgress(level=level, round=round_)
    risen = raised(TWO_LEVELS, at, sla=tier, progress=progress)
    before = step(
        TWO_LEVELS,
        started_at=T0,
        sla=P3,
        deadlines=p3_deadlines(),
        warning_share=0.75,
        progress=progress,
        acknowledged=False,
        at=at,
    )
    if any(event.kind == "notify" for event in before.due):
        return  # the old pace was already due: a page was owed before the rise
    now = step_after(TWO_LEVELS, risen, tier, at)
    assert [] == [event for event in now.due if event.kind != "sla_warning"]
    assert risen.acknowledge_by <= p3_deadlines().acknowledge_by
    assert risen.resolve_by <= p3_deadlines().resolve_by

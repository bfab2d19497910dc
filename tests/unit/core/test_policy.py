"""Escalation policy stepping: levels, repeats, SLA warnings, breaches, timers.

The policy's format: docs/contract/configuration.md, "Escalation policy".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from escalations.core.policy import (
    EscalationPolicy,
    PolicyEvent,
    PolicyProgress,
    PolicyTarget,
    step,
    timeline,
)
from escalations.core.priority_config import TierSla
from escalations.core.scoring import Deadlines

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
P1_SLA = TierSla(acknowledge=timedelta(minutes=15), resolve=timedelta(hours=24))
DEADLINES = Deadlines(
    acknowledge_by=T0 + timedelta(minutes=15),
    resolve_by=T0 + timedelta(hours=24),
    regulatory_deadline=None,
)
POLICY = EscalationPolicy.model_validate(
    yaml.safe_load(
        """
        repeat: 1
        levels:
          - targets: [{kind: schedule}]
          - targets: [{kind: team, id: trust-leads}, {kind: person, id: ciaran}]
            escalate_after: 10m
        """
    )
)


def minutes(n: float) -> datetime:
    """Return T0 plus n minutes."""
    return T0 + timedelta(minutes=n)


def brief(events: tuple[PolicyEvent, ...]) -> list[tuple[float, str, Any]]:
    """Summarise events as (minutes after T0, kind, level/round or budget)."""
    return [
        (
            (event.at - T0) / timedelta(minutes=1),
            event.kind,
            (event.level, event.round) if event.kind == "notify" else event.budget,
        )
        for event in events
    ]


def run_step(
    at: datetime,
    progress: PolicyProgress,
    *,
    acknowledged: bool = False,
    resolved: bool = False,
    deadlines: Deadlines = DEADLINES,
) -> Any:
    """Step the sample policy at ``at``."""
    return step(
        POLICY,
        started_at=T0,
        sla=P1_SLA,
        deadlines=deadlines,
        warning_share=0.75,
        progress=progress,
        acknowledged=acknowledged,
        resolved=resolved,
        at=at,
    )


def test_timeline_of_an_unacknowledged_escalation() -> None:
    """Levels page in order, each for its budget, repeat once, then the acknowledge breach."""
    events = timeline(POLICY, started_at=T0, sla=P1_SLA, deadlines=DEADLINES, warning_share=0.75)
    assert [
        (0, "notify", (1, 0)),
        (11.25, "sla_warning", "acknowledge"),
        (15, "notify", (2, 0)),
        (25, "notify", (1, 1)),
        (40, "notify", (2, 1)),
        (50, "sla_breached", "acknowledge"),
        (1080, "sla_warning", "resolve"),
        (1440, "sla_breached", "resolve"),
    ] == brief(events)
    assert POLICY.levels[1].targets == events[2].targets


def test_acknowledged_escalation_only_keeps_resolve_events() -> None:
    """Acknowledging stops the pages and the acknowledge clock, not the resolve clock."""
    events = timeline(
        POLICY,
        started_at=T0,
        sla=P1_SLA,
        deadlines=DEADLINES,
        warning_share=0.75,
        acknowledged=True,
    )
    assert [(1080, "sla_warning", "resolve"), (1440, "sla_breached", "resolve")] == brief(events)


def test_regulatory_clock_has_its_own_breach() -> None:
    """A running regulatory clock breaches at its deadline, after the resolve target."""
    deadlines = Deadlines(
        acknowledge_by=minutes(5), resolve_by=minutes(48), regulatory_deadline=minutes(60)
    )
    events = timeline(
        EscalationPolicy(),
        started_at=T0,
        sla=TierSla(acknowledge=timedelta(minutes=5), resolve=timedelta(hours=4)),
        deadlines=deadlines,
        warning_share=0.75,
        acknowledged=True,
    )
    assert [
        (36, "sla_warning", "resolve"),
        (48, "sla_breached", "resolve"),
        (60, "sla_breached", "regulatory"),
    ] == brief(events)


def test_resolved_escalation_has_no_events() -> None:
    """Once resolved, nothing more happens and no timer is needed."""
    result = run_step(minutes(1), PolicyProgress(level=1), resolved=True)
    assert ((), None) == (result.due, result.next_timer_at)


def test_stepping_through_the_policy() -> None:
    """Each timer fires what is due, records it in progress, and names the next instant."""
    first = run_step(T0, PolicyProgress())
    assert ([(0, "notify", (1, 0))], minutes(11.25)) == (brief(first.due), first.next_timer_at)
    warn = run_step(minutes(11.25), first.progress)
    assert ([(11.25, "sla_warning", "acknowledge")], minutes(15)) == (
        brief(warn.due),
        warn.next_timer_at,
    )
    second = run_step(minutes(15), warn.progress)
    assert PolicyProgress(level=2, round=0, warned=frozenset({"acknowledge"})) == second.progress
    assert minutes(25) == second.next_timer_at


def test_a_late_timer_fires_everything_due_once() -> None:
    """A timer that fires late returns every missed event, and none of them again."""
    late = run_step(minutes(45), PolicyProgress(level=1))
    assert [
        (11.25, "sla_warning", "acknowledge"),
        (15, "notify", (2, 0)),
        (25, "notify", (1, 1)),
        (40, "notify", (2, 1)),
    ] == brief(late.due)
    again = run_step(minutes(45), late.progress)
    assert ((), minutes(50)) == (again.due, again.next_timer_at)


def test_acknowledging_stops_the_pages() -> None:
    """After acknowledgement the next timer is the resolve warning, not another level."""
    result = run_step(minutes(5), PolicyProgress(level=1), acknowledged=True)
    assert ((), minutes(1080)) == (result.due, result.next_timer_at)


def test_exhausted_policy_breaches_then_waits_for_the_resolve_clock() -> None:
    """After the last level and repeat, the acknowledge breach fires and paging stops."""
    progress = PolicyProgress(level=2, round=1, warned=frozenset({"acknowledge"}))
    result = run_step(minutes(50), progress)
    assert ([(50, "sla_breached", "acknowledge")], minutes(1080)) == (
        brief(result.due),
        result.next_timer_at,
    )


def test_tighter_deadlines_move_the_warnings() -> None:
    """A re-score that brings the resolve deadline forward brings its warning forward too."""
    tighter = DEADLINES.model_copy(update={"resolve_by": minutes(120)})
    progress = PolicyProgress(level=2, round=1, warned=frozenset({"acknowledge"}))
    result = run_step(minutes(91), progress, deadlines=tighter)
    assert [(50, "sla_breached", "acknowledge"), (90, "sla_warning", "resolve")] == brief(
        result.due
    )


def test_policy_snapshot_round_trips_as_json() -> None:
    """The router stores the policy as JSON and reads back the same policy."""
    assert POLICY == EscalationPolicy.model_validate_json(POLICY.model_dump_json())


def test_default_policy_pages_this_teams_schedule() -> None:
    """With no policy configured, level 1 is the team's on-duty people."""
    assert (PolicyTarget(kind="schedule"),) == EscalationPolicy().levels[0].targets


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"levels": []}, "at least 1 item"),
        ({"levels": [{"targets": []}]}, "at least 1 item"),
        ({"levels": [{"targets": [{"kind": "team"}]}]}, "a 'team' target needs an id"),
        ({"levels": [{"targets": [{"kind": "person"}]}]}, "a 'person' target needs an id"),
        ({"levels": [{"targets": [{"kind": "schedule", "id": "x"}]}]}, "takes no id"),
        ({"levels": [{"targets": [{"kind": "rota"}]}]}, "'schedule', 'team' or 'person'"),
        ({"repeat": -1}, "greater than or equal to 0"),
        ({"levels": [{"targets": [{"kind": "schedule"}], "escalate_after": "0m"}]}, "positive"),
    ],
)
def test_invalid_policy_says_what_is_wrong(data: dict[str, Any], message: str) -> None:
    """Each mistake in a policy is rejected with a message naming it."""
    with pytest.raises(ValidationError) as error:
        EscalationPolicy.model_validate(data)
    assert message in str(error.value)


def test_naive_times_are_rejected() -> None:
    """Times without a zone are refused."""
    with pytest.raises(ValueError, match="at needs a time zone"):
        run_step(datetime(2026, 11, 25, 9), PolicyProgress())


@given(
    levels=st.integers(1, 4),
    repeat=st.integers(0, 3),
    ack_minutes=st.integers(1, 120),
    ticks=st.lists(st.integers(0, 3000), max_size=30),
)
def test_stepping_at_any_instants_fires_each_event_exactly_once(
    levels: int, repeat: int, ack_minutes: int, ticks: list[int]
) -> None:
    """Whatever the timer instants, every event is fired once, in order, and none is lost."""
    policy = EscalationPolicy.model_validate(
        {"levels": [{"targets": [{"kind": "schedule"}]}] * levels, "repeat": repeat}
    )
    sla = TierSla(acknowledge=timedelta(minutes=ack_minutes), resolve=timedelta(days=2))
    deadlines = Deadlines(
        acknowledge_by=minutes(ack_minutes), resolve_by=minutes(2880), regulatory_deadline=None
    )
    progress = PolicyProgress()
    fired: list[PolicyEvent] = []
    for tick in [*sorted(ticks), 3000]:
        result = step(
            policy,
            started_at=T0,
            sla=sla,
            deadlines=deadlines,
            warning_share=0.75,
            progress=progress,
            acknowledged=False,
            at=minutes(tick),
        )
        fired += result.due
        progress = result.progress
    expected = timeline(policy, started_at=T0, sla=sla, deadlines=deadlines, warning_share=0.75)
    assert list(expected) == fired


def _done_by(event: PolicyEvent, progress: PolicyProgress) -> bool:
    if event.kind == "notify":
        return (event.round or 0, event.level or 0) <= (progress.round, progress.level)
    done = progress.warned if event.kind == "sla_warning" else progress.breached
    return event.budget in done


BUDGETS = st.frozensets(st.sampled_from(["acknowledge", "resolve", "regulatory"]))


@given(
    levels=st.lists(st.one_of(st.none(), st.integers(1, 90)), min_size=1, max_size=4),
    repeat=st.integers(0, 3),
    ack_minutes=st.integers(1, 120),
    ack_by=st.integers(-30, 300),
    resolve_by=st.integers(-30, 3000),
    regulatory=st.one_of(st.none(), st.integers(-30, 3000)),
    paged=st.tuples(st.integers(0, 4), st.integers(0, 4)),
    warned=BUDGETS,
    breached=BUDGETS,
    acknowledged=st.booleans(),
    at=st.integers(-10, 3100),
)
def test_a_step_is_the_timeline_filtered_by_progress(
    levels: list[int | None],
    repeat: int,
    ack_minutes: int,
    ack_by: int,
    resolve_by: int,
    regulatory: int | None,
    paged: tuple[int, int],
    warned: frozenset[str],
    breached: frozenset[str],
    acknowledged: bool,
    at: int,
) -> None:
    """Any progress, deadlines and instant: due = the undone timeline up to ``at``, in order."""
    policy = EscalationPolicy.model_validate(
        {
            "levels": [
                {"targets": [{"kind": "schedule"}], "escalate_after": f"{m}m" if m else None}
                for m in levels
            ],
            "repeat": repeat,
        }
    )
    sla = TierSla(acknowledge=timedelta(minutes=ack_minutes), resolve=timedelta(days=2))
    deadlines = Deadlines(
        acknowledge_by=minutes(ack_by),
        resolve_by=minutes(resolve_by),
        regulatory_deadline=None if regulatory is None else minutes(regulatory),
    )
    progress = PolicyProgress.model_validate(
        {"round": paged[0], "level": paged[1], "warned": warned, "breached": breached}
    )
    kwargs: dict[str, Any] = {
        "started_at": T0,
        "sla": sla,
        "deadlines": deadlines,
        "warning_share": 0.75,
        "acknowledged": acknowledged,
    }
    result = step(policy, progress=progress, at=minutes(at), **kwargs)
    pending = [e for e in timeline(policy, **kwargs) if not _done_by(e, progress)]
    assert list(result.due) == [e for e in pending if e.at <= minutes(at)]
    assert result.next_timer_at == min((e.at for e in pending if e.at > minutes(at)), default=None)

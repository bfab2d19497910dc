"""The router's durable clocks (pure): escalate, warn, breach, rise, and system actors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

import orjson
from hypothesis import given
from hypothesis import strategies as st

from escalations.contracts.events import (
    AcknowledgeRequested,
    EscalationEscalated,
    ReassignRequested,
    Resolution,
    ResolveRequested,
    SlaBreached,
    SlaWarning,
)
from escalations.core.escalation import Tier
from escalations.core.policy import PolicyProgress
from escalations_router.domain.clock_values import progress_of
from escalations_router.domain.decider import Decider
from escalations_router.domain.load_book import MAX_STAMPS, LoadBook, _recent
from escalations_router.domain.records import Escalation
from escalations_router.domain.state import on_acknowledge, on_reassign, on_resolve
from escalations_router.domain.timers import (
    advance,
    fired_kinds,
    new_clock,
    restart,
)
from escalations_router.postgres.db import as_json
from tests.fakes.router import P0_SLA, FakeWorks

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
SLA = P0_SLA
TWO_LEVELS = {
    "levels": [
        {"targets": [{"kind": "schedule"}]},
        {"targets": [{"kind": "person", "id": "lead"}]},
    ],
    "repeat": 0,
}


def _row(tier: str = "P0", policy: dict[str, Any] | None = None, **extra: Any) -> Escalation:
    fields: dict[str, Any] = {
        "acknowledge_by": T0 + SLA.acknowledge,
        "resolve_by": T0 + SLA.resolve,
        **extra,
    }
    return Escalation(
        id="e-1",
        source="legal",
        source_kind="legal",
        status="assigned",
        title="Threat",
        policy_area="violent_threat",
        tier=tier,
        score=80,
        team="tsd",
        owner="aoife",
        request={"title": "Threat", "policy_area": "violent_threat", "content_refs": []},
        priority={},
        assignment={},
        policy_snapshot=policy if policy is not None else TWO_LEVELS,
        regulatory_deadline=None,
        received_at=T0,
        created_at=T0,
        updated_at=T0,
        **fields,
    )


def _types(events: list[Any]) -> list[str]:
    return [type(e).__name__ for e in events]


def test_new_clock_is_due_at_the_acknowledge_warning() -> None:
    """A new P0's first timer is 75 % into its 5 min acknowledge budget."""
    row = _row()
    clock = new_clock(row, SLA, warning_share=0.75, rescore_at=None, now=T0)
    advance(row, clock, FakeWorks(), T0)
    assert T0 + timedelta(minutes=3, seconds=45) == clock.due_at


def test_unacknowledged_escalates_to_level_two_with_its_targets_then_breaches() -> None:
    """After 5 min level 2 is paged (its targets in the event); after 10 min, the breach."""
    row, works = _row(), FakeWorks()
    clock = new_clock(row, SLA, warning_share=0.75, rescore_at=None, now=T0)
    warned = advance(row, clock, works, T0 + timedelta(minutes=4))
    assert ["SlaWarning"] == _types(warned.events)
    escalated = advance(row, clock, works, T0 + timedelta(minutes=5))
    (event,) = escalated.events
    assert isinstance(event, EscalationEscalated)
    assert (2, 1, ("lead",)) == (event.level, event.round, event.targets)
    assert ("escalated", 2) == (row.status, row.level)
    assert ["lead"] == (row.assignment or {})["paged"]
    breached = advance(row, clock, works, T0 + timedelta(minutes=10))
    (breach,) = breached.events
    assert isinstance(breach, SlaBreached)
    assert ("acknowledge", T0 + timedelta(minutes=10)) == (breach.kind.value, breach.due_at)
    assert ["sla_breach"] == fired_kinds(breached)


def test_a_timer_fires_once_however_often_it_is_swept() -> None:
    """Advancing twice at the same instant emits nothing the second time."""
    row, works = _row(), FakeWorks()
    clock = new_clock(row, SLA, warning_share=0.75, rescore_at=None, now=T0)
    first = advance(row, clock, works, T0 + timedelta(minutes=6))
    again = advance(row, clock, works, T0 + timedelta(minutes=6))
    assert ["SlaWarning", "EscalationEscalated"] == sorted(_types(first.events), reverse=True)
    assert [] == again.events


def test_after_an_outage_only_the_latest_level_is_paged() -> None:
    """A router down past two levels pages the current level once, not every missed one."""
    three = {"levels": [{"targets": [{"kind": "schedule"}]}] * 3, "repeat": 1}
    row, works = _row(policy=three), FakeWorks()
    clock = new_clock(row, SLA, warning_share=0.75, rescore_at=None, now=T0)
    out = advance(row, clock, works, T0 + timedelta(minutes=21))
    pages = [e for e in out.events if isinstance(e, EscalationEscalated)]
    assert [(2, 2)] == [(p.level, p.round) for p in pages]


def test_acknowledged_escalation_is_not_escalated_but_resolve_clock_runs() -> None:
    """Acknowledging stops the policy; the resolve warning still comes at 75 % of 4 h."""
    row, works = _row(), FakeWorks()
    clock = new_clock(row, SLA, warning_share=0.75, rescore_at=None, now=T0)
    row.status = "acknowledged"
    out = advance(row, clock, works, T0 + timedelta(hours=3, minutes=1))
    (warning,) = out.events
    assert isinstance(warning, SlaWarning)
    assert "resolve" == warning.kind.value
    assert [] == works.pages


def test_resolved_escalation_has_no_timer() -> None:
    """Resolving clears the clock."""
    row = _row()
    clock = new_clock(row, SLA, warning_share=0.75, rescore_at=T0, now=T0)
    row.status = "resolved"
    advance(row, clock, FakeWorks(), T0 + timedelta(minutes=1))
    assert (None, None) == (clock.due_at, clock.rescore_at)


def test_regulatory_clock_raises_the_tier_and_tightens_deadlines() -> None:
    """At the rescore instant the tier rises P2 -> P0, deadlines move earlier, never later."""
    rise_at = T0 + timedelta(hours=1)
    row = _row(
        tier="P2", acknowledge_by=T0 + timedelta(hours=1), resolve_by=T0 + timedelta(hours=72)
    )
    works = FakeWorks(risen=Tier.P0, next_rise=None)
    clock = new_clock(row, works.sla(Tier.P2), warning_share=0.75, rescore_at=rise_at, now=T0)
    out = advance(row, clock, works, rise_at)
    assert "P0" == row.tier
    assert ["tier_raised"] == [c.action for c in out.changes if c.action == "tier_raised"]
    # The new resolve budget (4 h) runs from the rise; the passed acknowledge_by stays.
    assert (T0 + timedelta(hours=1), rise_at + SLA.resolve) == (row.acknowledge_by, row.resolve_by)
    assert (300.0, "P0") == (clock.acknowledge_seconds, clock.tier)
    assert ["rescore"] == [k for k in fired_kinds(out) if k == "rescore"]


def test_reassign_restarts_the_acknowledge_budget() -> None:
    """A reassigned escalation's new owner gets a fresh budget from level 1."""
    row, works = _row(), FakeWorks()
    clock = new_clock(row, SLA, warning_share=0.75, rescore_at=None, now=T0)
    advance(row, clock, works, T0 + timedelta(minutes=6))
    later = T0 + timedelta(minutes=7)
    restart(row, clock, later)
    assert (1, later + SLA.acknowledge) == (row.level, row.acknowledge_by)
    assert [] == advance(row, clock, works, later + timedelta(minutes=1)).events


@given(st.lists(st.integers(min_value=0, max_value=3 * 3600), min_size=1, max_size=30))
def test_sweeps_in_any_pattern_emit_each_event_at_most_once(offsets: list[int]) -> None:
    """However the sweeps fall, no warning, breach or page is emitted twice."""
    row, works = _row(), FakeWorks()
    clock = new_clock(row, SLA, warning_share=0.75, rescore_at=None, now=T0)
    seen: list[tuple[str, object]] = []
    for offset in sorted(offsets):
        for event in advance(row, clock, works, T0 + timedelta(seconds=offset)).events:
            seen.append(
                (type(event).__name__, getattr(event, "kind", getattr(event, "level", None)))
            )
    assert len(seen) == len(set(seen))


def _cmd(model: type[Any], **fields: Any) -> Any:
    return model(escalation_id="e-1", source="alertmanager", requested_at=T0, **fields)


class NoDuty:
    """A decider where nobody is on duty and only 'aoife' exists."""

    def knows_person(self, person_id: str) -> bool:
        return person_id == "aoife"

    def may_act(self, team: str | None, owner: str | None, person_id: str, at: datetime) -> bool:
        return person_id == owner


NO_DUTY = cast(Decider, NoDuty())


def test_an_integration_may_close_only_what_it_opened() -> None:
    """system:alertmanager resolves its own escalation; another source's is refused."""
    own = _row()
    own.source = "alertmanager"
    done = on_resolve(
        own,
        _cmd(ResolveRequested, by="system:alertmanager", resolution=Resolution.ACTIONED),
        NO_DUTY,
        T0,
    )
    assert "resolved" == done.changes[0].action
    other = _row()
    refused = on_acknowledge(
        other, _cmd(AcknowledgeRequested, by="system:alertmanager"), NO_DUTY, T0
    )
    assert (
        "acknowledge_rejected",
        "system:alertmanager may only act on escalations from source alertmanager",
    ) == (refused.changes[0].action, refused.changes[0].reason)
    reassign = on_reassign(
        other, _cmd(ReassignRequested, by="system:alertmanager", to="aoife"), NO_DUTY, T0
    )
    assert "reassign_rejected" == reassign.changes[0].action


def test_a_paged_level_two_target_may_acknowledge() -> None:
    """Someone paged by a later level may acknowledge though not on the team's duty."""
    row = _row()
    row.assignment = {"paged": ["lead"]}
    out = on_acknowledge(row, _cmd(AcknowledgeRequested, by="lead"), NO_DUTY, T0)
    assert "acknowledged" == out.changes[0].action


def test_load_book_counts_open_work_and_graphic_exposure_in_the_window() -> None:
    """Assignments raise open counts and stamp graphic exposure; closing lowers open counts."""
    book = LoadBook({}, timedelta(hours=8))
    book.assigned("aoife", T0 - timedelta(hours=9), graphic=True)
    book.assigned("aoife", T0, graphic=True)
    book.assigned("bruno", T0, graphic=False)
    book.closed("bruno")
    # As the write statement receives them: JSON, the stamps as isoformat writes them.
    rows = {r["p"]: r for r in orjson.loads(as_json(book.rows(T0)))}
    assert (2, 2, [T0.isoformat()]) == (
        rows["aoife"]["open"],
        rows["aoife"]["added"],
        rows["aoife"]["graphic"],
    )
    stamp = T0.replace(microsecond=120)
    book.assigned("aoife", stamp, graphic=True)
    (aoife,) = [r for r in orjson.loads(as_json(book.rows(stamp))) if r["p"] == "aoife"]
    assert [T0.isoformat(), stamp.isoformat()] == aoife["graphic"]
    assert (0, 1) == (rows["bruno"]["open"], rows["bruno"]["added"])


def test_a_new_clock_stores_the_progress_the_model_would() -> None:
    """Written out for speed, the stored progress is exactly the model's dump, and reads back."""
    row = _row()
    clock = new_clock(row, SLA, warning_share=0.75, rescore_at=None, now=T0)
    assert PolicyProgress(level=1).model_dump(mode="json") == clock.progress
    assert PolicyProgress(level=1) == progress_of(clock.progress)
    other = new_clock(row, SLA, warning_share=0.75, rescore_at=None, now=T0)
    assert other.progress is not clock.progress  # never shared between clocks


def test_progress_is_rewritten_only_when_something_fired() -> None:
    """Nothing due leaves the stored progress object alone; a warning records the budget."""
    row, works = _row(), FakeWorks()
    clock = new_clock(row, SLA, warning_share=0.75, rescore_at=None, now=T0)
    stored = clock.progress
    advance(row, clock, works, T0 + timedelta(minutes=1))
    assert clock.progress is stored
    advance(row, clock, works, T0 + timedelta(minutes=4))
    stored_now = {"level": 1, "round": 0, "warned": ["acknowledge"], "breached": []}
    assert {**stored_now, "raised_at": None} == clock.progress
    warned = PolicyProgress(level=1, warned=frozenset({"acknowledge"}))
    assert warned == progress_of(clock.progress)


@given(offsets=st.lists(st.integers(-600, 600), max_size=150), since=st.integers(-600, 600))
def test_recent_stamps_are_those_after_the_window_start(offsets: list[int], since: int) -> None:
    """The stamps kept are those after ``since``, in their order, at most the last 100."""
    stamps = tuple(T0 + timedelta(minutes=m) for m in offsets)
    start = T0 + timedelta(minutes=since)
    assert tuple(s for s in stamps if s > start)[-MAX_STAMPS:] == _recent(stamps, start)

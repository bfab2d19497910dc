"""The router's adapter over the real core: rising tiers, snapshotted levels, schedules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from escalations.contracts.events import EscalationReceived
from escalations.core.config import Override, TimeOff, loads_config
from escalations.core.decide import OnDuty
from escalations.core.decide import decide as core_decide
from escalations.core.escalation import EscalationIn, SourceKind, Tier
from escalations.core.policy import EscalationPolicy
from escalations.core.routing import RouteDecision
from escalations_router.domain.core_decider import CoreDecider
from escalations_router.domain.dumps import DUMPS_REMEMBERED, Dumps
from escalations_router.domain.duty import StoredSchedule
from escalations_router.domain.load_book import LoadBook
from escalations_router.domain.schedule import LiveSchedule
from escalations_router.domain.state import on_received
from tests.e2e.router.configs import config

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def _decider() -> CoreDecider:
    return CoreDecider(loads_config(config()).config)


def _received(area: str = "harassment", **extra: object) -> EscalationReceived:
    request = EscalationIn.model_validate({"title": "Report", "policy_area": area, **extra})
    return EscalationReceived(
        escalation_id="e-1",
        source="tests",
        source_kind=SourceKind.INTERNAL_TOOL,
        received_at=NOW,
        request=request,
    )


def test_regulatory_clock_running_down_raises_the_tier() -> None:
    """An order due in 2 h 30 min is P1 now and P0 once 2 h are left, at the instant given."""
    deadline = NOW + timedelta(hours=2, minutes=30)
    received = _received(regulatory={"regime": "dsa_authority_order", "deadline": deadline})
    bound = _decider().bind(StoredSchedule())
    outcome = on_received(None, received, bound, NOW)
    row = outcome.row
    assert row is not None
    assert Tier.P1.value == row.tier
    rise_at = bound.rescore_at["e-1"]
    assert deadline - timedelta(hours=2) == rise_at
    assert rise_at is not None
    risen = bound.rise(row, rise_at)
    assert (Tier.P0, None) == (risen.tier, risen.next_rise)


def test_level_targets_follow_the_snapshot_not_the_current_policy() -> None:
    """Level 2 of a snapshot pages its named person even if the team's policy has one level."""
    snapshot = EscalationPolicy.model_validate(
        {
            "levels": [
                {"targets": [{"kind": "schedule"}]},
                {"targets": [{"kind": "person", "id": "emil"}]},
            ]
        }
    )
    bound = _decider().bind(StoredSchedule())
    assert ("emil",) == bound.level_targets("cs", snapshot, 2, NOW)
    assert () == bound.level_targets("no-such-team", snapshot, 2, NOW)
    assert () == bound.level_targets("cs", snapshot, 3, NOW)


def test_time_off_and_overrides_change_who_may_be_assigned() -> None:
    """Stored time off removes a person from the candidates; an override adds one."""
    away = TimeOff(person="fiona", start=NOW - timedelta(hours=1), end=NOW + timedelta(hours=1))
    bound = _decider().bind(StoredSchedule(time_off=(away,)))
    assert {"gus"} == bound.candidates(_received("spam"), NOW)
    cover = Override(
        team="cs", person="lead", start=NOW - timedelta(hours=1), end=NOW + timedelta(hours=1)
    )
    covered = _decider().bind(StoredSchedule(overrides=(cover,)))
    assert "lead" in covered.candidates(_received("child_safety"), NOW)
    assert covered.may_act("cs", None, "lead", NOW)


def test_assignment_uses_and_updates_the_person_load() -> None:
    """Two escalations in one batch go to different people: the second sees the first."""
    bound = _decider().bind(StoredSchedule(), LoadBook({}, timedelta(hours=8)))
    first = bound.decide(_received("spam"), at=NOW)
    second = bound.decide(_received("spam"), at=NOW + timedelta(seconds=1))
    assert {"fiona", "gus"} == {first.owner, second.owner}
    assert {"fiona": 1, "gus": 1} == dict(bound.book.assigned_now)


def test_candidates_cover_everyone_the_decision_may_pick() -> None:
    """The people locked up front include level 1 of the team each escalation is routed to."""
    cases: list[tuple[str, dict[str, object]]] = [
        ("spam", {}),
        ("harassment", {}),
        ("child_safety", {"signals": {"imminence": "imminent_specific"}}),
        ("self_harm", {"signals": {"imminence": "imminent_specific", "graphic": True}}),
        ("hate_speech", {"regulatory": {"regime": "dsa_authority_order"}}),
    ]
    # Urgent escalations go to another team than the rest: routing depends on the tier.
    text = config().replace(
        "  rules:\n", "  rules:\n    - name: urgent\n      match: {tier: [P0]}\n      team: legal\n"
    )
    decider = CoreDecider(loads_config(text).config)
    teams = set()
    for area, extra in cases:
        received = _received(area, **extra)
        bound = decider.bind(StoredSchedule())
        locked = bound.candidates(received, NOW)
        decision = bound.decide(received, at=NOW)
        level_one = {duty["person"] for duty in decision.assignment["level_one"]}
        assert level_one <= locked, area
        assert decision.owner in locked, area
        teams.add(decision.team)
    assert {"legal", "general", "tsd"} <= teams


def test_level_one_is_resolved_once_per_batch_and_again_after_a_schedule_change() -> None:
    """A command that changes the schedule mid-batch changes who later escalations go to."""
    bound = _decider().bind(StoredSchedule())
    received = _received("child_safety")
    assert {"dana"} == bound.candidates(received, NOW)
    assert "dana" == bound.decide(received, at=NOW).owner
    cover = Override(
        team="cs", person="lead", start=NOW - timedelta(hours=1), end=NOW + timedelta(hours=1)
    )
    bound.reschedule(StoredSchedule(overrides=(cover,)))
    assert "lead" in bound.candidates(received, NOW)
    decision = bound.decide(received, at=NOW)
    assert "lead" in {duty["person"] for duty in decision.assignment["level_one"]}


def test_stored_decision_parts_are_the_core_records_as_json() -> None:
    """The route, reasons, policy and assignment the router stores are the core's, as JSON."""
    decider = _decider()
    bound = decider.bind(StoredSchedule())
    received = _received("spam")
    stored = bound.decide(received, at=NOW)
    made = core_decide(
        decider.config,
        received.request,
        source=received.source,
        source_kind=received.source_kind,
        at=NOW,
        received_at=received.received_at,
    )
    assert made.route.model_dump(mode="json") == stored.route
    assert [r.model_dump(mode="json") for r in made.priority.reasons] == stored.reasons
    assert made.policy.model_dump(mode="json") == stored.policy_snapshot
    expected = made.assignment.model_dump(mode="json")
    assert expected == {key: stored.assignment[key] for key in expected}
    assert [d.model_dump(mode="json") for d in made.level_one] == stored.assignment["level_one"]


def test_a_reload_routes_new_escalations_by_the_new_rules() -> None:
    """Routing is remembered across batches, and forgotten when the configuration changes."""
    decider = _decider()
    received = _received("spam")
    before = decider.bind(StoredSchedule())
    first = before.decide(received, at=NOW)
    assert first.team == before.decide(received, at=NOW).team  # remembered: the same
    assert "legal" != first.team
    text = config().replace(
        "  rules:\n",
        "  rules:\n    - name: spam-to-legal\n      match: {policy_area: [spam]}\n"
        "      team: legal\n",
    )
    decider.config = loads_config(text).config
    after = decider.bind(StoredSchedule())
    locked = after.candidates(received, NOW)
    decision = after.decide(received, at=NOW)
    assert ("legal", "spam-to-legal") == (decision.team, decision.route["rule"])
    assert {duty["person"] for duty in decision.assignment["level_one"]} <= locked


def _one_a_day() -> CoreDecider:
    # Team "general" (fiona, gus): one of them a day, handing over at 09:00 Dublin (UTC in
    # November).
    text = config().replace(
        "members: [fiona, gus]\n          on_duty: 2", "members: [fiona, gus]\n          on_duty: 1"
    )
    return CoreDecider(loads_config(text).config)


def test_level_one_is_remembered_across_batches_until_the_handoff() -> None:
    """Batches reuse who is on duty under the same schedule, and a handoff still hands over."""
    decider = _one_a_day()
    live = StoredSchedule()
    spam = _received("spam")
    morning = NOW.replace(hour=8, minute=30)
    before = decider.bind(live).candidates(spam, morning)
    assert 1 == len(before)
    held = decider.bind(live).candidates(spam, NOW.replace(hour=8, minute=59, second=59))
    assert before == held
    assert morning == decider._duties["general"].since  # reused, not worked out again
    after = decider.bind(live).candidates(spam, NOW.replace(hour=9))
    assert 1 == len(after)
    assert before != after


def test_a_new_schedule_is_not_answered_from_the_old_one() -> None:
    """An override loaded by a later batch (a new schedule) pages its person at once."""
    decider = _one_a_day()
    spam = _received("spam")
    at = NOW.replace(hour=8, minute=30)
    (usual,) = decider.bind(StoredSchedule()).candidates(spam, at)
    cover = "gus" if usual == "fiona" else "fiona"
    override = Override(team="general", person=cover, start=at, end=at + timedelta(hours=1))
    covered = decider.bind(StoredSchedule(overrides=(override,)))
    assert {cover} == covered.candidates(spam, at + timedelta(minutes=5))
    assert cover == covered.decide(spam, at=at + timedelta(minutes=5)).owner


def test_the_live_schedule_is_the_same_object_while_its_rows_are() -> None:
    """Batches loading the same overrides share one schedule (what level 1 is kept under)."""
    live = LiveSchedule()
    start, end = NOW, NOW + timedelta(hours=1)
    rows = [("override", "general", "gus", start, end, None), ("processed", "ev-1", *[None] * 4)]
    first = live.of(rows)  # type: ignore[arg-type]
    assert ("gus",) == tuple(o.person for o in first.overrides)
    again = live.of([rows[0], ("processed", "ev-2", *[None] * 4)])  # type: ignore[arg-type]
    assert first is again
    later = live.of([])
    assert later is not first
    assert () == later.overrides


def test_shared_decision_parts_are_dumped_once_per_object() -> None:
    """The same route object gives the same dump; an equal copy is dumped on its own."""
    dumps = Dumps()
    route = RouteDecision(team="tsd", rule="default", index=None)
    first = dumps.of(route)
    assert first is dumps.of(route)
    assert {"team": "tsd", "rule": "default", "index": None} == first
    copy = route.model_copy()
    assert first == dumps.of(copy)
    assert first is not dumps.of(copy)
    duty = (OnDuty(person="aoife", target="schedule", team="tsd", layer="always"),)
    assert [{"person": "aoife", "target": "schedule", "team": "tsd", "layer": "always"}] == (
        dumps.of(duty)
    )
    for n in range(DUMPS_REMEMBERED + 5):
        dumps.of(RouteDecision(team=f"t{n}", rule="default", index=None))
    assert len(dumps._made) <= DUMPS_REMEMBERED

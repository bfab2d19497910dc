"""The full decision: score + route + on-duty resolution + assignment, as the router uses it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from escalations.core.assignment import AssignmentFlag, PersonHistory
from escalations.core.config import Config, Override, TimeOff, loads_config
from escalations.core.decide import Decision, OnDuty, decide
from escalations.core.escalation import EscalationIn, SourceKind, Tier

CONFIG_YAML = """
people:
  - {id: ann, name: Ann, timezone: Europe/Dublin, skills: [hate_speech], languages: [en],
     contacts: {email: ann@example.com}}
  - {id: bob, name: Bob, timezone: Europe/Dublin, skills: [hate_speech], languages: [de],
     contacts: {email: bob@example.com}}
  - {id: cat, name: Cat, timezone: Europe/Dublin, skills: [hate_speech, harassment],
     languages: [en], contacts: {email: cat@example.com}}
  - {id: dan, name: Dan, timezone: Europe/Dublin, skills: [child_safety], languages: [en],
     contacts: {email: dan@example.com}}
  - {id: eve, name: Eve, timezone: Europe/Dublin, skills: [child_safety], languages: [en],
     contacts: {email: eve@example.com}}
  - {id: fay, name: Fay, timezone: Europe/Dublin, languages: [en],
     contacts: {email: fay@example.com}}
teams:
  - id: desk
    name: Desk
    lead: fay
    schedule:
      layers:
        - {name: days, rotation: daily, handoff: "09:00", timezone: Europe/Dublin,
           start: 2026-01-05, members: [ann, bob, cat], on_duty: 2}
    escalation_policy:
      levels:
        - targets: [{kind: schedule}]
        - targets: [{kind: person, id: fay}]
  - id: cs
    name: Child safety
    lead: fay
    schedule:
      layers:
        - {name: week, rotation: weekly, handoff: "09:00", handoff_weekday: mon,
           timezone: Europe/Dublin, start: 2026-01-05, members: [dan, eve], on_duty: 2}
  - id: leads
    name: Leads
    lead: fay
    schedule:
      layers:
        - {name: always, rotation: weekly, handoff: "09:00", handoff_weekday: mon,
           timezone: Europe/Dublin, start: 2026-01-05, members: [fay]}
routing:
  default_team: desk
  rules:
    - {name: child-safety, match: {policy_area: [child_safety]}, team: cs}
    - {name: p0-to-leads, match: {tier: [P0], source_kind: [regulator]}, team: leads}
"""
CONFIG: Config = loads_config(CONFIG_YAML, source="test.yaml").config
# Wednesday 25 Nov 2026, 10:00 in Dublin (UTC+0).
AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def esc(**fields: Any) -> EscalationIn:
    """Build an escalation from JSON-like fields with a default title."""
    return EscalationIn.model_validate({"title": "t", **fields})


def run(
    body: dict[str, Any],
    kind: SourceKind = SourceKind.USER_REPORT,
    *,
    at: datetime = AT,
    reports: int = 1,
    overrides: Sequence[Override] = (),
    time_off: Sequence[TimeOff] = (),
    history: Mapping[str, PersonHistory] | None = None,
) -> Decision:
    """Decide on a JSON-like escalation at AT from source ``moderation``."""
    return decide(
        CONFIG,
        esc(**body),
        source="moderation",
        source_kind=kind,
        at=at,
        reports=reports,
        overrides=overrides,
        time_off=time_off,
        history=history,
    )


def on_duty(decision: Decision) -> list[str]:
    """Return the ids of the people on duty at level 1."""
    return sorted(duty.person for duty in decision.level_one)


def test_decision_scores_routes_resolves_and_assigns() -> None:
    """A hate-speech report goes to the desk; of the two on duty, the English speaker owns it."""
    decision = run({"policy_area": "hate_speech", "language": "en"})
    assert ("desk", "default", Tier.P4, 14) == (
        decision.team,
        decision.route.rule,
        decision.priority.tier,
        decision.priority.score,
    )
    assert (["ann", "bob"], "ann") == (on_duty(decision), decision.owner)
    assert "does not speak en" == decision.assignment.candidates[1].reason
    assert "ILLEGAL_OR_HARMFUL_SPEECH" == decision.dsa_category


def test_routing_rule_on_tier_uses_the_scored_tier() -> None:
    """A regulator's terrorist order scores P0, so the P0 rule sends it to the leads."""
    body = {"policy_area": "violent_extremism", "regulatory": {"regime": "terreg_removal_order"}}
    decision = run(body, SourceKind.REGULATOR)
    assert ("leads", "p0-to-leads", 1, "fay") == (
        decision.team,
        decision.route.rule,
        decision.route.index,
        decision.owner,
    )
    assert [AssignmentFlag.NO_QUALIFIED_CANDIDATE] == list(decision.assignment.flags)


def test_child_safety_goes_to_the_specialists_and_is_graphic_by_default() -> None:
    """Child safety routes to its team; the area is graphic by default, so the cap applies."""
    history = {"dan": PersonHistory(graphic_at=(AT - timedelta(hours=1),) * 3)}
    decision = run({"policy_area": "child_safety"}, history=history)
    assert ("cs", True, "eve") == (decision.team, decision.graphic, decision.owner)
    assert "wellbeing cap" in decision.assignment.candidates[0].reason


def test_override_puts_someone_else_on_duty() -> None:
    """An override replaces the rotation; the override person owns it, flagged if unskilled."""
    hour = timedelta(hours=1)
    override = Override(team="desk", person="fay", start=AT - hour, end=AT + hour)
    decision = run({"policy_area": "hate_speech"}, overrides=[override])
    assert [OnDuty(person="fay", target="schedule", team="desk", layer="override")] == list(
        decision.level_one
    )
    assert ("fay", (AssignmentFlag.NO_QUALIFIED_CANDIDATE,)) == (
        decision.owner,
        decision.assignment.flags,
    )


def test_person_on_time_off_is_skipped() -> None:
    """Ann, on duty but on leave, is replaced by the next member, who owns the escalation."""
    leave = TimeOff(person="ann", start=AT - timedelta(days=1), end=AT + timedelta(days=1))
    decision = run({"policy_area": "hate_speech", "language": "en"}, time_off=[leave])
    assert (["bob", "cat"], "cat") == (on_duty(decision), decision.owner)


def test_round_robin_uses_history() -> None:
    """Of two qualified people on duty, the one assigned less recently gets the next one."""
    at = AT + timedelta(days=1)
    first = run({"policy_area": "hate_speech"}, at=at)
    history = {"ann": PersonHistory(last_assigned_at=at - timedelta(minutes=1), open_count=1)}
    second = run({"policy_area": "hate_speech"}, at=at, history=history)
    assert (["ann", "cat"], "ann", "cat") == (on_duty(first), first.owner, second.owner)


def test_duplicates_raise_the_score_when_re_decided() -> None:
    """Re-deciding with more reports (merged duplicates) gives a higher score."""
    once = run({"policy_area": "hate_speech"})
    many = run({"policy_area": "hate_speech"}, reports=8)
    assert once.priority.score + 9 == many.priority.score


def test_next_rescore_at_for_a_running_clock() -> None:
    """A regulator request due in 10 days asks for a re-score when 24 h are left."""
    body = {
        "policy_area": "other",
        "regulatory": {"regime": "regulator_request", "deadline": "2026-12-05T10:00:00Z"},
    }
    decision = run(body, SourceKind.REGULATOR)
    assert (Tier.P2, datetime(2026, 12, 4, 10, tzinfo=UTC)) == (
        decision.priority.tier,
        decision.next_rescore_at,
    )


def test_received_at_defaults_to_at() -> None:
    """Without a separate intake time, the SLA starts at the decision instant."""
    decision = run({"policy_area": "spam"})
    assert AT + timedelta(days=2) == decision.priority.deadlines.acknowledge_by


def test_decision_round_trips_as_json() -> None:
    """The router stores the decision as JSON and can read the same record back."""
    decision = run({"policy_area": "child_safety", "signals": {"minors": "confirmed"}})
    assert decision == Decision.model_validate_json(decision.model_dump_json())


@given(
    area=st.sampled_from(["hate_speech", "child_safety", "harassment", "spam"]),
    language=st.sampled_from([None, "en", "de"]),
    minutes=st.integers(0, 60 * 24 * 14),
    last=st.dictionaries(st.sampled_from(["ann", "bob", "cat", "dan", "eve"]), st.integers(1, 600)),
)
def test_same_inputs_same_decision(
    area: str, language: str | None, minutes: int, last: dict[str, int]
) -> None:
    """Deciding twice on the same inputs gives the same decision."""
    at = AT + timedelta(minutes=minutes)
    history = {
        pid: PersonHistory(last_assigned_at=at - timedelta(minutes=m)) for pid, m in last.items()
    }
    body: dict[str, Any] = {"policy_area": area, "language": language}
    assert run(body, at=at, history=history) == run(body, at=at, history=history)


def test_level_one_resolved_by_the_caller_is_used_as_given() -> None:
    """A caller's per-team level 1 is taken as is; a team missing from it is resolved here."""
    given = (OnDuty(person="bob", target="schedule", team="desk", layer="given"),)
    body = esc(policy_area="hate_speech", language="en")
    decision = decide(
        CONFIG,
        body,
        source="moderation",
        source_kind=SourceKind.USER_REPORT,
        at=AT,
        level_one_by_team={"desk": given},
    )
    assert (given, "bob") == (decision.level_one, decision.owner)
    other = decide(
        CONFIG,
        body,
        source="moderation",
        source_kind=SourceKind.USER_REPORT,
        at=AT,
        level_one_by_team={"cs": given},
    )
    assert run({"policy_area": "hate_speech", "language": "en"}) == other

"""Simulation: what would happen to an escalation at T, page by page (POST /v1/simulate)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from escalations.core.assignment import AssignmentFlag
from escalations.core.config import Config, TimeOff, loads_config
from escalations.core.escalation import EscalationIn, SourceKind, Tier
from escalations.core.schedules import on_duty
from escalations.core.simulate import Simulation, simulate

CONFIG_YAML = """
people:
  - {id: ann, name: Ann, timezone: Europe/Dublin, skills: [violent_threat], languages: [en],
     contacts: {email: ann@example.com}}
  - {id: bob, name: Bob, timezone: Europe/Dublin, skills: [violent_threat], languages: [en],
     contacts: {email: bob@example.com}}
  - {id: cat, name: Cat, timezone: Europe/Dublin, contacts: {email: cat@example.com}}
  - {id: dan, name: Dan, timezone: Europe/Dublin, contacts: {email: dan@example.com}}
  - {id: fay, name: Fay, timezone: Europe/Dublin, contacts: {email: fay@example.com}}
teams:
  - id: desk
    name: Desk
    lead: fay
    schedule:
      layers:
        - {name: days, rotation: daily, handoff: "09:00", timezone: Europe/Dublin,
           start: 2026-01-05, members: [ann, bob]}
    escalation_policy:
      repeat: 1
      levels:
        - targets: [{kind: schedule}]
        - targets: [{kind: team, id: backup}]
  - id: backup
    name: Backup
    lead: fay
    schedule:
      layers:
        - {name: days, rotation: daily, handoff: "09:00", timezone: Europe/Dublin,
           start: 2026-01-05, members: [cat, dan]}
  - id: weekend
    name: Weekend only
    lead: fay
    schedule:
      layers:
        - {name: weekend, rotation: weekly, handoff: "09:00", handoff_weekday: sat,
           timezone: Europe/Dublin, start: 2026-01-03, members: [dan],
           restrictions: [{days: [sat, sun], start: "00:00", end: "24:00"}]}
    escalation_policy:
      levels:
        - targets: [{kind: schedule}]
        - targets: [{kind: person, id: fay}]
routing:
  default_team: desk
  rules:
    - {name: spam-weekend, match: {policy_area: [spam]}, team: weekend}
"""
CONFIG: Config = loads_config(CONFIG_YAML, source="test.yaml").config
# Wednesday 25 Nov 2026, 08:58 in Dublin (UTC+0): two minutes before the daily handoff.
AT = datetime(2026, 11, 25, 8, 58, tzinfo=UTC)
THREAT = {"policy_area": "violent_threat", "signals": {"imminence": "imminent_specific"}}


def sim(body: dict[str, Any], *, at: datetime = AT, **kwargs: Any) -> Simulation:
    """Simulate a JSON-like escalation from a user report."""
    return simulate(
        CONFIG,
        EscalationIn.model_validate({"title": "t", **body}),
        source="moderation",
        source_kind=SourceKind.USER_REPORT,
        at=at,
        **kwargs,
    )


def minutes(n: float) -> datetime:
    """Return AT plus n minutes."""
    return AT + timedelta(minutes=n)


def pages(result: Simulation) -> list[tuple[datetime, int, int, list[str]]]:
    """Summarise pages as (instant, level, round, people)."""
    return [
        (page.at, page.level, page.round, [duty.person for duty in page.people])
        for page in result.pages
    ]


def backup_at(at: datetime) -> str:
    """Return who the backup team has on duty at an instant."""
    return on_duty(CONFIG, "backup", at)[0].person


def test_pages_every_level_at_its_instant_with_the_people_on_duty_then() -> None:
    """A P0 pages the owner now, then the backup team 5 min later (after its handoff)."""
    result = sim(THREAT)
    owner = result.owner
    assert (Tier.P0, "desk") == (result.priority.tier, result.team)
    assert owner is not None
    assert backup_at(minutes(0)) != backup_at(minutes(5))
    assert [
        (minutes(0), 1, 0, [owner]),
        (minutes(5), 2, 0, [backup_at(minutes(5))]),
        (minutes(10), 1, 1, [owner]),
        (minutes(15), 2, 1, [backup_at(minutes(15))]),
    ] == pages(result)


def test_lists_warnings_and_breaches_with_their_instants() -> None:
    """Warnings at 75 % of each budget, then the breaches, for an unacknowledged P0."""
    result = sim(THREAT)
    assert [
        ("sla_warning", "acknowledge", minutes(3.75)),
        ("sla_breached", "acknowledge", minutes(20)),
        ("sla_warning", "resolve", minutes(180)),
        ("sla_breached", "resolve", minutes(240)),
    ] == [(event.kind, event.budget, event.at) for event in result.events]
    assert (minutes(5), minutes(240), None) == (
        result.deadlines.acknowledge_by,
        result.deadlines.resolve_by,
        result.deadlines.regulatory_deadline,
    )


def test_nobody_on_duty_pages_the_next_level() -> None:
    """With nobody on duty the owner is empty and flagged; level 2 still pages its person."""
    result = sim({"policy_area": "spam"})
    assert ("weekend", None, (AssignmentFlag.NOBODY_ON_DUTY,)) == (
        result.team,
        result.owner,
        result.assignment.flags,
    )
    two_days = timedelta(days=2)
    assert [(AT, 1, 0, []), (AT + two_days, 2, 0, ["fay"])] == pages(result)


def test_time_off_is_taken_into_account() -> None:
    """The simulation uses the time off it is given: the person on leave is not paged."""
    normal = sim(THREAT)
    assert normal.owner is not None
    leave = TimeOff(person=normal.owner, start=AT - timedelta(days=1), end=AT + timedelta(days=1))
    covered = sim(THREAT, time_off=[leave])
    assert covered.owner not in (None, normal.owner)


def test_regulatory_clock_appears_in_deadlines_and_events() -> None:
    """A regulator request shows its clock, its breach and when it will be re-scored."""
    body = {
        "policy_area": "other",
        "regulatory": {"regime": "regulator_request", "deadline": "2026-12-05T08:58:00Z"},
    }
    result = sim(body)
    deadline = datetime(2026, 12, 5, 8, 58, tzinfo=UTC)
    assert deadline == result.deadlines.regulatory_deadline
    assert ("sla_breached", "regulatory", deadline) == (
        result.events[-1].kind,
        result.events[-1].budget,
        result.events[-1].at,
    )
    # P2 from the start (a running clock), so the first rise is to P1 at 24 h left.
    assert deadline - timedelta(hours=24) == result.next_rescore_at


def test_simulation_serialises_to_json_and_back() -> None:
    """The intake returns the simulation as JSON with the fields the HTTP API lists.

    The fields: docs/contract/http-api.md, "On call and simulation".
    """
    result = sim(THREAT)
    data = result.model_dump(mode="json")
    assert {
        "at", "priority", "deadlines", "route", "team", "owner", "assignment", "graphic",
        "dsa_category", "pages", "events", "next_rescore_at",
    } == set(data)  # fmt: skip
    assert result == Simulation.model_validate_json(result.model_dump_json())

"""Who each escalation level pages, and one person's shifts across teams."""

from __future__ import annotations

from escalations.core.config import Override, TimeOff
from escalations.core.policy import EscalationPolicy, PolicyLevel, PolicyTarget
from escalations.core.schedules import LevelOncall, OncallEntry, on_duty, oncall
from escalations.core.shifts import person_shifts
from tests.unit.core.schedule_helpers import config, utc

TEAMS = """
teams:
  - id: t
    name: Team t
    lead: ann
    schedule:
      layers:
        - {name: main, rotation: daily, timezone: Europe/Dublin, start: 2026-01-05,
           members: [ann, bob]}
    escalation_policy:
      levels:
        - targets: [{kind: schedule}]
        - targets: [{kind: person, id: eve}, {kind: team, id: legal}]
        - targets: [{kind: schedule}, {kind: person, id: ann}]
      repeat: 1
  - id: legal
    name: Legal
    lead: eve
    schedule:
      layers:
        - {name: legal-days, rotation: weekly, timezone: Europe/Dublin, start: 2026-01-05,
           members: [cat, dan]}
"""


def test_oncall_lists_each_level_with_the_layer_that_gave_it() -> None:
    """Levels resolve schedule, named-person and other-team targets; repeats are merged."""
    cfg = config(TEAMS)
    at = utc(2026, 1, 5, 12)
    ann = OncallEntry("ann", "schedule", "t", "main", utc(2026, 1, 5, 9), utc(2026, 1, 6, 9))
    assert [
        LevelOncall(1, (ann,)),
        LevelOncall(
            2,
            (
                OncallEntry("eve", "person", None, None),
                OncallEntry(
                    "cat", "team", "legal", "legal-days", utc(2026, 1, 5, 9), utc(2026, 1, 12, 9)
                ),
            ),
        ),
        LevelOncall(3, (ann,)),
    ] == oncall(cfg, "t", at)


def test_oncall_honours_overrides_and_time_off_of_other_teams() -> None:
    """An override on the other team and leave in this team change who each level pages."""
    cfg = config(TEAMS)
    at = utc(2026, 1, 5, 12)
    override = Override(team="legal", person="fay", start=utc(2026, 1, 5), end=utc(2026, 1, 6))
    leave = TimeOff(person="ann", start=utc(2026, 1, 5), end=utc(2026, 1, 6))
    levels = oncall(cfg, "t", at, overrides=[override], time_off=[leave])
    assert [["bob"], ["eve", "fay"], ["bob", "ann"]] == [
        [entry.person for entry in level.people] for level in levels
    ]
    assert "override" == levels[1].people[1].layer


def test_oncall_can_use_a_snapshotted_policy() -> None:
    """A policy passed in replaces the team's current one (escalations keep their snapshot)."""
    cfg = config(TEAMS)
    snapshot = EscalationPolicy(
        levels=(PolicyLevel(targets=(PolicyTarget(kind="person", id="hal"),)),)
    )
    levels = oncall(cfg, "t", utc(2026, 1, 5, 12), policy=snapshot)
    assert [LevelOncall(1, (OncallEntry("hal", "person", None, None),))] == levels


def test_oncall_matches_on_duty_for_the_schedule_level() -> None:
    """Level 1 with a schedule target pages exactly the people on duty."""
    cfg = config(TEAMS)
    for day in range(5, 20):
        at = utc(2026, 1, day, 7)
        assert [d.person for d in on_duty(cfg, "t", at)] == [
            entry.person for entry in oncall(cfg, "t", at)[0].people
        ]


def test_person_shifts_span_teams_and_overrides() -> None:
    """A person's shifts include their own rotations and overrides on other teams."""
    cfg = config(TEAMS)
    override = Override(team="t", person="cat", start=utc(2026, 1, 6, 9), end=utc(2026, 1, 6, 12))
    found = person_shifts(cfg, "cat", utc(2026, 1, 5, 9), utc(2026, 1, 7), overrides=[override])
    assert [
        ("legal", "legal-days", utc(2026, 1, 5, 9), utc(2026, 1, 7)),
        ("t", "override", utc(2026, 1, 6, 9), utc(2026, 1, 6, 12)),
    ] == [(s.team, s.layer, s.start, s.end) for s in found]

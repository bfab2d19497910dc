"""The configuration model: the demo config, lookups, contacts, YAML pitfalls, warnings."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from escalations.core.config import (
    Channel,
    Config,
    ConfigError,
    UnknownIdError,
    demo_config_path,
    load_config,
    loads_config,
    parse_config,
)
from escalations.core.config_types import holiday_dates
from escalations.core.escalation import PolicyArea, Tier
from tests.unit.core.schedule_helpers import config, load, one_layer, people_yaml, utc

DAILY = """
name: main
rotation: daily
timezone: Europe/Dublin
start: 2026-01-05
members: [ann, bob]
"""


def test_demo_config_validates_without_errors_or_warnings() -> None:
    """The shipped demo config loads with no errors and no coverage warnings."""
    loaded = load_config(demo_config_path())
    assert () == loaded.warnings
    assert [
        "ts-dublin",
        "child-safety",
        "legal-regulatory",
        "general-ts",
    ] == [team.id for team in loaded.config.teams]


def test_demo_config_people_reach_the_demo_inbox() -> None:
    """Every demo person has an example.com address and a webhook to the local inbox."""
    people = load_config(demo_config_path()).config.people
    assert 15 <= len(people) <= 25
    for person in people:
        assert f"{person.id}@example.com" == person.contacts.email
        assert f"http://127.0.0.1:8083/inbox/{person.id}" == str(person.contacts.webhook)


def test_demo_routing_sends_child_safety_and_regulators_to_specialists() -> None:
    """Demo routing rules name existing teams: child safety and legal have their own."""
    routing = load_config(demo_config_path()).config.routing
    assert "ts-dublin" == routing.default_team
    assert {"child-safety", "legal-regulatory", "general-ts"} == {r.team for r in routing.rules}


def test_lookups_by_id_and_unknown_ids() -> None:
    """People and teams are found by id; an unknown id gets a suggestion."""
    cfg = config(one_layer(DAILY))
    assert "Ann" == cfg.person("ann").name
    assert "Team t" == cfg.team("t").name
    with pytest.raises(UnknownIdError, match=r"unknown person 'anne' \(did you mean 'ann'\?\)"):
        cfg.person("anne")
    with pytest.raises(UnknownIdError, match=r"unknown team 'x' \(known: t\)"):
        cfg.team("x")


def test_direct_construction_checks_references() -> None:
    """Building a Config in code runs the same cross-reference checks as the loader."""
    cfg = config(one_layer(DAILY))
    with pytest.raises(ValidationError, match=r"routing.default_team: unknown team 'nope'"):
        Config(
            people=cfg.people,
            teams=cfg.teams,
            routing=cfg.routing.model_copy(update={"default_team": "nope"}),
        )


def test_unquoted_times_and_country_codes_survive_yaml() -> None:
    """``20:00`` unquoted stays a time and ``NO`` stays Norway (not 1200 and false)."""
    layer = DAILY + "holidays: NO\nrestrictions:\n  - {days: [mon], start: 20:00, end: 08:00}\n"
    cfg = config(one_layer(layer))
    main = cfg.team("t").schedule.layers[0]
    assert ("20:00", "08:00", "NO") == (
        main.restrictions[0].start,
        main.restrictions[0].end,
        main.holidays,
    )


def test_weekday_names_may_be_written_in_full() -> None:
    """Restriction days accept ``Monday`` as well as ``mon``."""
    layer = DAILY + "restrictions:\n  - {days: [Monday, tue], start: '09:00', end: '17:00'}\n"
    days = config(one_layer(layer)).team("t").schedule.layers[0].restrictions[0].days
    assert ["mon", "tue"] == [day.value for day in days]


def test_business_hours_only_team_gets_a_coverage_warning() -> None:
    """A team covered only on weekday business hours gets one warning listing the gaps."""
    layer = (
        DAILY
        + "restrictions:\n  - {days: [mon, tue, wed, thu, fri], start: '09:00', end: '17:00'}\n"
    )
    loaded = load(one_layer(layer))
    assert 1 == len(loaded.warnings)
    warning = loaded.warnings[0]
    assert ("warning", "teams[0].schedule", 14) == (warning.severity, warning.path, warning.line)
    assert (
        "team 't' has nobody on duty at these times (year from 2026-01-05):\n"
        "    17:00-09:00 UTC (16h) on Mon, Tue, Wed, Thu, 90 time(s), 2026-01-05 to 2027-01-05\n"
        "    17:00-09:00 UTC (64h) on Fri, 21 time(s), 2026-01-09 to 2027-01-01\n"
        "    17:00-08:00 UTC (63h) on Fri, 1 time(s), 2026-03-27\n"
        "    16:00-08:00 UTC (16h) on Mon, Tue, Wed, Thu, 120 time(s), 2026-03-30 to 2026-10-22\n"
        "    16:00-08:00 UTC (64h) on Fri, 29 time(s), 2026-04-03 to 2026-10-16\n"
        "    16:00-09:00 UTC (65h) on Fri, 1 time(s), 2026-10-23"
    ) == warning.message


def test_channels_default_by_tier_and_follow_explicit_rules() -> None:
    """P0 pages on every urgent channel the person has, P3 is e-mail only; rules win."""
    text = """
people:
  - id: ann
    name: Ann
    timezone: Europe/Dublin
    contacts: {email: ann@example.com, webhook: "http://127.0.0.1:8083/inbox/ann",
               pagerduty: R0UTINGKEY0123456789abcdef012345}
    notify: {P2: [email]}
    quiet_hours: {start: "22:00", end: "07:00"}
  - {id: bob, name: Bob, timezone: UTC, contacts: {pagerduty: KEY}}
teams: []
routing: {default_team: t}
"""
    with pytest.raises(ConfigError):  # default_team t does not exist
        loads_config(text)
    people = loads_config(text.replace("teams: []", one_layer(DAILY))).config
    ann, bob = people.person("ann"), people.person("bob")
    assert ann.channels_for(Tier.P0) == (Channel.PAGERDUTY, Channel.WEBHOOK, Channel.EMAIL)
    assert ann.channels_for(Tier.P2) == (Channel.EMAIL,)
    assert ann.channels_for(Tier.P4) == (Channel.EMAIL,)
    assert bob.channels_for(Tier.P4) == (Channel.PAGERDUTY,)


def test_quiet_hours_cross_midnight_in_the_persons_zone() -> None:
    """Quiet hours 22:00-07:00 Dublin hold at 23:30 and 06:59 local, not at 07:00."""
    text = """
people:
  - id: ann
    name: Ann
    timezone: Europe/Dublin
    contacts: {email: ann@example.com}
    quiet_hours: {start: "22:00", end: "07:00"}
"""
    teams = one_layer(DAILY.replace("[ann, bob]", "[ann]"))
    ann = loads_config(text + teams + "routing: {default_team: t}\n").config.person("ann")
    summer = [utc(2026, 7, 1, 22, 30), utc(2026, 7, 2, 5, 59), utc(2026, 7, 2, 6, 0)]
    assert [True, True, False] == [ann.in_quiet_hours(at) for at in summer]


def test_skills_and_opt_outs_are_policy_areas() -> None:
    """Skills and opt-outs parse to PolicyArea values for assignment to use."""
    niamh = load_config(demo_config_path()).config.person("niamh")
    assert PolicyArea.NCII in niamh.skills
    assert niamh.opt_out == (PolicyArea.GRAPHIC_VIOLENCE,)


def test_static_overrides_and_time_off_may_live_in_yaml() -> None:
    """Overrides and time off written in the YAML are loaded and indexed by team."""
    extra = """
overrides:
  - {team: t, person: cat, start: 2026-03-01T09:00:00Z, end: 2026-03-02T09:00:00Z}
time_off:
  - {person: ann, start: 2026-03-05T00:00:00Z, end: 2026-03-07T00:00:00Z, reason: leave}
"""
    cfg = config(one_layer(DAILY), extra=extra)
    assert ["cat"] == [o.person for o in cfg.overrides_by_team["t"]]
    assert "leave" == cfg.time_off[0].reason


def test_dumped_config_parses_back_to_the_same_config() -> None:
    """A config dumped to JSON-ready data parses back equal (the API and snapshots rely on it)."""
    original = load_config(demo_config_path()).config
    assert original == parse_config(original.model_dump(mode="json")).config


def test_rotation_accepts_every_written_form() -> None:
    """``daily``, ``weekly`` and ``{hours: N}`` all parse; the model form works too."""
    forms = ["daily", "Weekly", "{hours: 6}", "{kind: hours, hours: 6}"]
    parsed = [
        config(one_layer(DAILY.replace("rotation: daily", f"rotation: {form}")))
        .team("t")
        .schedule.layers[0]
        .rotation
        for form in forms
    ]
    assert [("daily", None), ("weekly", None), ("hours", 6), ("hours", 6)] == [
        (rotation.kind, rotation.hours) for rotation in parsed
    ]


def test_subdivision_calendars_are_accepted() -> None:
    """``US-CA`` names California's calendar, which has Cesar Chavez Day on 31 March."""
    cfg = config(one_layer(DAILY + "holidays: US-CA\n"))
    assert "US-CA" == cfg.team("t").schedule.layers[0].holidays
    assert date(2026, 3, 31) in holiday_dates("US-CA", 2026)
    assert date(2026, 3, 31) not in holiday_dates("US", 2026)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    """A config path that does not exist is reported as a ConfigError naming the file."""
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError) as caught:
        load_config(missing)
    assert (
        f"1 problem(s) in {missing}:\n"
        "  - (top level): cannot read the file: No such file or directory" == str(caught.value)
    )


def test_coverage_year_can_be_chosen() -> None:
    """``coverage_from`` moves the year that coverage warnings look at."""
    layer = DAILY + "restrictions:\n  - {days: [sat], start: '00:00', end: '24:00'}\n"
    text = people_yaml() + one_layer(layer) + "routing: {default_team: t}\n"
    warning = loads_config(text, coverage_from=utc(2030, 1, 1)).warnings[0]
    first_line = warning.message.splitlines()[0]
    assert "team 't' has nobody on duty at these times (year from 2030-01-01):" == first_line

"""Coverage: gaps in a team's schedule, including the follow-the-sun summer gap."""

from __future__ import annotations

from datetime import timedelta

from escalations.core.config import demo_config_path, load_config
from escalations.core.coverage import Gap, describe_gaps, gaps
from tests.unit.core.schedule_helpers import config, load, utc

EVERY_DAY = '[{days: [mon, tue, wed, thu, fri, sat, sun], start: "08:00", end: "16:00"}]'
FOLLOW_THE_SUN = f"""
teams:
  - id: t
    name: Follow the sun
    lead: ann
    schedule:
      layers:
        - {{name: dublin, rotation: daily, handoff: "08:00", timezone: Europe/Dublin,
           start: 2026-01-01, members: [ann, bob],
           restrictions: {EVERY_DAY}}}
        - {{name: los-angeles, rotation: daily, handoff: "08:00", timezone: America/Los_Angeles,
           start: 2026-01-01, members: [cat, dan],
           restrictions: {EVERY_DAY}}}
        - {{name: singapore, rotation: daily, handoff: "08:00", timezone: Asia/Singapore,
           start: 2026-01-01, members: [eve, fay],
           restrictions: {EVERY_DAY}}}
"""


def test_follow_the_sun_covers_the_clock_in_winter() -> None:
    """Dublin, Los Angeles and Singapore on 08:00-16:00 local leave no gap in January."""
    team = config(FOLLOW_THE_SUN).team("t")
    assert [] == gaps(team, utc(2026, 1, 12), utc(2026, 1, 19))


def test_follow_the_sun_has_an_hour_gap_in_summer() -> None:
    """In July nobody is on between 23:00 and 00:00 UTC (Dublin on IST, LA on PDT)."""
    team = config(FOLLOW_THE_SUN).team("t")
    assert [Gap(utc(2026, 7, day, 23), utc(2026, 7, day + 1)) for day in (6, 7, 8)] == gaps(
        team, utc(2026, 7, 6, 12), utc(2026, 7, 9, 12)
    )


def test_follow_the_sun_gap_starts_when_the_us_changes_clocks() -> None:
    """The gap opens on 8 March when LA springs forward, three weeks before Dublin does."""
    team = config(FOLLOW_THE_SUN).team("t")
    assert [Gap(utc(2026, 3, 8, 23), utc(2026, 3, 9))] == gaps(
        team, utc(2026, 3, 6), utc(2026, 3, 9)
    )


def test_follow_the_sun_warning_lists_the_summer_gap() -> None:
    """Loading the config warns with the daily 23:00 UTC gap from 8 March to 31 October."""
    warnings = load(FOLLOW_THE_SUN).warnings
    assert [
        "team 't' has nobody on duty at these times (year from 2026-01-01):\n"
        "    23:00-00:00 UTC (1h) on every day, 238 time(s), 2026-03-08 to 2026-10-31"
    ] == [warning.message for warning in warnings]


def test_demo_teams_have_no_gaps_over_a_year() -> None:
    """Every demo team has someone on duty at every moment of 2027."""
    cfg = load_config(demo_config_path()).config
    assert {team.id: [] for team in cfg.teams} == {
        team.id: gaps(team, utc(2027, 1, 1), utc(2028, 1, 1)) for team in cfg.teams
    }


def test_describe_gaps_groups_by_time_and_weekday() -> None:
    """Gaps of the same time and length are grouped, with their weekdays and date span."""
    found = [
        Gap(utc(2026, 1, 5, 17), utc(2026, 1, 6, 9)),
        Gap(utc(2026, 1, 6, 17), utc(2026, 1, 7, 9)),
        Gap(utc(2026, 1, 9, 17), utc(2026, 1, 9, 17, 30)),
    ]
    assert [
        "17:00-09:00 UTC (16h) on Mon, Tue, 2 time(s), 2026-01-05 to 2026-01-06",
        "17:00-17:30 UTC (0h30m) on Fri, 1 time(s), 2026-01-09",
    ] == describe_gaps(found)


def test_describe_gaps_limits_the_number_of_lines() -> None:
    """A long list of different gaps is cut with a count of the rest."""
    found = [
        Gap(utc(2026, 1, 5, hour), utc(2026, 1, 5, hour) + timedelta(minutes=10))
        for hour in range(12)
    ]
    lines = describe_gaps(found, limit=3)
    assert [
        "00:00-00:10 UTC (0h10m) on Mon, 1 time(s), 2026-01-05",
        "... and 9 more pattern(s)",
    ] == [
        lines[0],
        lines[-1],
    ]

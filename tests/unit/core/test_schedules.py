"""Who is on duty: rotations, restrictions, holidays, overrides, time off, DST."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from escalations.core.config import Override, TimeOff, UnknownIdError, demo_config_path, load_config
from escalations.core.coverage import covered
from escalations.core.rotation import NaiveDatetimeError
from escalations.core.schedules import Duty, on_duty
from escalations.core.shifts import Shift, shifts
from tests.unit.core.schedule_helpers import config, one_layer, utc

DAILY = """
name: main
rotation: daily
handoff: "09:00"
timezone: Europe/Dublin
start: 2026-01-05
members: [ann, bob, cat]
"""


def people(cfg_duties: list[Duty]) -> list[str]:
    """Return the people of a list of duties."""
    return [duty.person for duty in cfg_duties]


def test_daily_rotation_hands_over_at_the_handoff() -> None:
    """A daily rotation moves to the next member at 09:00 local and wraps around."""
    cfg = config(one_layer(DAILY))
    instants = [
        utc(2026, 1, 5, 8, 59),
        utc(2026, 1, 5, 9, 0),
        utc(2026, 1, 6, 8, 59),
        utc(2026, 1, 6, 9, 0),
        utc(2026, 1, 7, 9, 0),
        utc(2026, 1, 8, 9, 0),
    ]
    assert [
        [],
        ["ann"],
        ["ann"],
        ["bob"],
        ["cat"],
        ["ann"],
    ] == [people(on_duty(cfg, "t", at)) for at in instants]


def test_duty_carries_layer_and_shift_bounds() -> None:
    """A duty names its layer and the rotation shift around the instant."""
    cfg = config(one_layer(DAILY))
    assert [Duty("bob", "t", "main", utc(2026, 1, 6, 9), utc(2026, 1, 7, 9))] == on_duty(
        cfg, "t", utc(2026, 1, 6, 20)
    )


def test_weekly_rotation_uses_the_handoff_weekday() -> None:
    """A weekly rotation with handoff_weekday mon changes on Mondays even if it starts midweek."""
    layer = DAILY.replace("rotation: daily", "rotation: weekly\nhandoff_weekday: mon").replace(
        "2026-01-05", "2026-01-07"
    )
    cfg = config(one_layer(layer))
    instants = [utc(2026, 1, 7, 8), utc(2026, 1, 8), utc(2026, 1, 12, 8, 59), utc(2026, 1, 12, 9)]
    assert [[], ["ann"], ["ann"], ["bob"]] == [people(on_duty(cfg, "t", at)) for at in instants]


def test_hours_rotation_counts_real_hours_across_dst() -> None:
    """A 12-hour rotation keeps every shift 12 real hours long when Dublin springs forward."""
    layer = DAILY.replace("rotation: daily", "rotation: {hours: 12}").replace(
        "2026-01-05", "2026-03-28"
    )
    found = shifts(config(one_layer(layer)), "t", utc(2026, 3, 28, 9), utc(2026, 3, 30, 9))
    assert [
        ("ann", utc(2026, 3, 28, 9), utc(2026, 3, 28, 21)),
        ("bob", utc(2026, 3, 28, 21), utc(2026, 3, 29, 9)),
        ("cat", utc(2026, 3, 29, 9), utc(2026, 3, 29, 21)),
        ("ann", utc(2026, 3, 29, 21), utc(2026, 3, 30, 9)),
    ] == [(s.person, s.start, s.end) for s in found]


DST_CASES = [
    ("Europe/Dublin", "2026-03-27", 23),  # clocks go forward 29 March
    ("Europe/Dublin", "2026-10-23", 25),  # clocks go back 25 October
    ("America/Los_Angeles", "2026-03-06", 23),  # forward 8 March
    ("America/Los_Angeles", "2026-10-30", 25),  # back 1 November
]


@pytest.mark.parametrize(("zone", "start", "short_or_long"), DST_CASES)
def test_dst_keeps_the_handoff_at_nine_local(zone: str, start: str, short_or_long: int) -> None:
    """Across a DST change every daily shift starts at 09:00 local; none is skipped or doubled."""
    layer = DAILY.replace("Europe/Dublin", zone).replace("2026-01-05", start)
    tz = ZoneInfo(zone)
    first = datetime.fromisoformat(f"{start}T09:00").replace(tzinfo=tz)
    found = shifts(config(one_layer(layer)), "t", first, first + timedelta(days=5))
    assert ["09:00"] * 5 == [f"{s.start.astimezone(tz):%H:%M}" for s in found]
    assert ["ann", "bob", "cat", "ann", "bob"] == [s.person for s in found]
    assert all(a.end == b.start for a, b in pairwise(found))
    hours = sorted({(s.end - s.start) // timedelta(hours=1) for s in found[:-1]})
    assert sorted({24, short_or_long}) == hours


def test_weekly_handoff_stays_monday_nine_across_the_us_change() -> None:
    """A weekly Monday 09:00 Los Angeles handoff is 17:00 UTC before 8 March, 16:00 after."""
    layer = (
        DAILY.replace("rotation: daily", "rotation: weekly\nhandoff_weekday: mon")
        .replace("Europe/Dublin", "America/Los_Angeles")
        .replace("2026-01-05", "2026-03-02")
    )
    found = shifts(config(one_layer(layer)), "t", utc(2026, 3, 2, 17), utc(2026, 3, 16, 16))
    assert [
        Shift("t", "ann", "main", utc(2026, 3, 2, 17), utc(2026, 3, 9, 16)),
        Shift("t", "bob", "main", utc(2026, 3, 9, 16), utc(2026, 3, 16, 16)),
    ] == found


def test_christmas_day_in_dublin_uses_the_holiday_layer() -> None:
    """On Christmas and St Stephen's Day the IE holiday layer wins; the day before it does not."""
    teams = one_layer(DAILY.replace("[ann, bob, cat]", "[ann]")) + (
        "        - {name: holiday, rotation: daily, timezone: Europe/Dublin, start: 2026-01-05,\n"
        "           members: [dan], holidays: IE}\n"
    )
    found = shifts(config(teams), "t", utc(2026, 12, 24), utc(2026, 12, 28))
    assert [
        Shift("t", "ann", "main", utc(2026, 12, 24), utc(2026, 12, 25)),
        Shift("t", "dan", "holiday", utc(2026, 12, 25), utc(2026, 12, 27)),
        Shift("t", "ann", "main", utc(2026, 12, 27), utc(2026, 12, 28)),
    ] == found


def test_st_patricks_day_holiday_layer_with_a_team_calendar() -> None:
    """``holidays: team`` follows the team's IE calendar: 17 March is on, 16 March is off."""
    teams = one_layer(DAILY.replace("[ann, bob, cat]", "[ann]"), holidays="IE") + (
        "        - {name: holiday, rotation: daily, timezone: Europe/Dublin, start: 2026-01-05,\n"
        "           members: [dan], holidays: team,\n"
        "           restrictions: [{days: [tue], start: '09:00', end: '17:00'}]}\n"
    )
    cfg = config(teams)
    instants = [utc(2026, 3, 16, 12), utc(2026, 3, 17, 8, 59), utc(2026, 3, 17, 12)]
    assert [["ann"], ["ann"], ["dan"]] == [people(on_duty(cfg, "t", at)) for at in instants]
    assert [Duty("dan", "t", "holiday", utc(2026, 3, 17, 9), utc(2026, 3, 17, 17))] == on_duty(
        cfg, "t", utc(2026, 3, 17, 12)
    )


def test_demo_christmas_day_is_covered_by_the_irish_holiday_rota() -> None:
    """In the demo config, Christmas Day business hours in Dublin go to the holiday rota."""
    cfg = load_config(demo_config_path()).config
    duties = on_duty(cfg, "ts-dublin", utc(2026, 12, 25, 10))
    assert [("eoin", "ie-holidays")] == [(d.person, d.layer) for d in duties]


def test_override_crossing_a_handoff_covers_both_sides() -> None:
    """An override from 07:00 to 11:00 replaces the rotation across its 09:00 handoff."""
    cfg = config(one_layer(DAILY.replace("[ann, bob, cat]", "[ann, bob]")))
    override = Override(team="t", person="cat", start=utc(2026, 2, 10, 7), end=utc(2026, 2, 10, 11))
    found = shifts(cfg, "t", utc(2026, 2, 9, 9), utc(2026, 2, 11, 9), overrides=[override])
    assert [
        Shift("t", "bob", "main", utc(2026, 2, 9, 9), utc(2026, 2, 10, 7)),
        Shift("t", "cat", "override", utc(2026, 2, 10, 7), utc(2026, 2, 10, 11)),
        Shift("t", "ann", "main", utc(2026, 2, 10, 11), utc(2026, 2, 11, 9)),
    ] == found
    assert [["cat"], ["cat"]] == [
        people(on_duty(cfg, "t", at, overrides=[override]))
        for at in (utc(2026, 2, 10, 8), utc(2026, 2, 10, 10))
    ]


def test_overrides_of_other_teams_are_ignored() -> None:
    """An override for another team does not change this team's duty."""
    cfg = config(one_layer(DAILY))
    other = Override(team="x", person="dan", start=utc(2026, 2, 1), end=utc(2026, 3, 1))
    assert ["ann"] == people(on_duty(cfg, "t", utc(2026, 2, 7, 12), overrides=[other]))


NIGHTS = """
name: nights
rotation: daily
handoff: "20:00"
timezone: Europe/Dublin
start: 2026-01-05
members: [ann, bob]
restrictions:
  - {days: [mon, tue, wed, thu, fri], start: "20:00", end: "08:00"}
"""


def test_night_window_crosses_midnight() -> None:
    """A 20:00-08:00 window runs into the next morning and belongs to the day it starts."""
    cfg = config(one_layer(NIGHTS))
    monday_night = on_duty(cfg, "t", utc(2026, 2, 9, 23))
    assert [Duty("bob", "t", "nights", utc(2026, 2, 9, 20), utc(2026, 2, 10, 8))] == monday_night
    instants = {
        "tue 03:00": utc(2026, 2, 10, 3),
        "tue 12:00": utc(2026, 2, 10, 12),
        "sat 03:00 (friday night)": utc(2026, 2, 14, 3),
        "sun 03:00": utc(2026, 2, 15, 3),
        "mon 03:00": utc(2026, 2, 16, 3),
    }
    assert {
        "tue 03:00": ["bob"],
        "tue 12:00": [],
        "sat 03:00 (friday night)": ["bob"],
        "sun 03:00": [],
        "mon 03:00": [],
    } == {name: people(on_duty(cfg, "t", at)) for name, at in instants.items()}


def test_person_on_time_off_is_covered_by_the_next_member() -> None:
    """The on-duty person on leave is skipped; the next member covers, then they return."""
    cfg = config(one_layer(DAILY))
    leave = TimeOff(person="ann", start=utc(2026, 1, 5, 12), end=utc(2026, 1, 5, 15))
    at = utc(2026, 1, 5, 13)
    assert [Duty("bob", "t", "main", utc(2026, 1, 5, 12), utc(2026, 1, 5, 15), "ann")] == on_duty(
        cfg, "t", at, time_off=[leave]
    )
    found = shifts(cfg, "t", utc(2026, 1, 5, 9), utc(2026, 1, 6, 9), time_off=[leave])
    assert [
        ("ann", utc(2026, 1, 5, 9), utc(2026, 1, 5, 12), None),
        ("bob", utc(2026, 1, 5, 12), utc(2026, 1, 5, 15), "ann"),
        ("ann", utc(2026, 1, 5, 15), utc(2026, 1, 6, 9), None),
    ] == [(s.person, s.start, s.end, s.covering) for s in found]


def test_time_off_skips_everyone_away_in_order() -> None:
    """With the on-duty person and the next one away, the one after covers."""
    cfg = config(one_layer(DAILY))
    away = [
        TimeOff(person="ann", start=utc(2026, 1, 1), end=utc(2026, 1, 10)),
        TimeOff(person="bob", start=utc(2026, 1, 1), end=utc(2026, 1, 10), reason="sick"),
    ]
    duties = on_duty(cfg, "t", utc(2026, 1, 5, 12), time_off=away)
    assert [("cat", "ann")] == [(d.person, d.covering) for d in duties]


def test_several_people_on_duty_at_once() -> None:
    """With on_duty 2, each slot puts the next pair on; someone away is replaced."""
    layer = DAILY.replace("[ann, bob, cat]", "[ann, bob, cat, dan, eve]") + "on_duty: 2\n"
    cfg = config(one_layer(layer))
    assert [
        ["ann", "bob"],
        ["cat", "dan"],
        ["eve", "ann"],
    ] == [people(on_duty(cfg, "t", utc(2026, 1, day, 12))) for day in (5, 6, 7)]
    away = [TimeOff(person="bob", start=utc(2026, 1, 5), end=utc(2026, 1, 6))]
    duties = on_duty(cfg, "t", utc(2026, 1, 5, 12), time_off=away)
    assert [("ann", None), ("cat", "bob")] == [(d.person, d.covering) for d in duties]


TWO_LAYERS = (
    one_layer(DAILY.replace("[ann, bob, cat]", "[ann]"))
    + "        - {name: days, rotation: daily, timezone: Europe/Dublin, start: 2026-01-05,\n"
    + "           members: [bob], restrictions: [{days: [mon], start: '09:00', end: '17:00'}]}\n"
)


def test_higher_layer_wins_where_it_has_coverage() -> None:
    """A later layer wins inside its window; the lower layer shows through outside it."""
    cfg = config(TWO_LAYERS)
    assert [
        ["bob"],
        ["ann"],
    ] == [people(on_duty(cfg, "t", at)) for at in (utc(2026, 2, 9, 10), utc(2026, 2, 9, 18))]


def test_layer_with_everyone_away_falls_through() -> None:
    """When every member of the top layer is away, the layer below decides."""
    cfg = config(TWO_LAYERS)
    away = [TimeOff(person="bob", start=utc(2026, 2, 9), end=utc(2026, 2, 10))]
    assert ["ann"] == people(on_duty(cfg, "t", utc(2026, 2, 9, 10), time_off=away))


def test_static_time_off_from_the_config_applies() -> None:
    """Time off written in the YAML is honoured without being passed in."""
    extra = "time_off:\n  - {person: ann, start: 2026-01-05T00:00:00Z, end: 2026-01-06T00:00:00Z}\n"
    cfg = config(one_layer(DAILY), extra=extra)
    assert ["bob"] == people(on_duty(cfg, "t", utc(2026, 1, 5, 12)))


def test_restriction_starting_in_the_spring_gap_reads_as_after_the_jump() -> None:
    """A window from 01:30 on the night Dublin skips 01:00-02:00 starts at 02:30 IST."""
    layer = DAILY + "restrictions:\n  - {days: [sun], start: '01:30', end: '05:00'}\n"
    cfg = config(one_layer(layer))
    assert [] == on_duty(cfg, "t", utc(2026, 3, 29, 1, 15))
    duties = on_duty(cfg, "t", utc(2026, 3, 29, 1, 30))
    assert [(utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 4))] == [(d.start, d.end) for d in duties]
    team = cfg.team("t")
    assert [(utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 4))] == covered(
        team, utc(2026, 3, 28, 12), utc(2026, 3, 30)
    )


def test_naive_datetimes_are_refused() -> None:
    """A datetime without a zone is an error that shows how to fix it."""
    cfg = config(one_layer(DAILY))
    with pytest.raises(NaiveDatetimeError, match=r"at 2026-01-05T12:00:00 has no time zone"):
        on_duty(cfg, "t", datetime(2026, 1, 5, 12))


def test_unknown_team_is_refused_with_a_suggestion() -> None:
    """Asking for a team that does not exist names the closest one."""
    cfg = config(one_layer(DAILY))
    with pytest.raises(UnknownIdError, match=r"unknown team 'tt' \(did you mean 't'\?\)"):
        on_duty(cfg, "tt", utc(2026, 1, 5, 12))


def test_shift_window_must_have_positive_length() -> None:
    """A shift listing whose end is not after its start is refused."""
    cfg = config(one_layer(DAILY))
    with pytest.raises(ValueError, match="must be after start"):
        shifts(cfg, "t", utc(2026, 1, 6), utc(2026, 1, 5))

"""The on-call page's pure parts: the week calendar, now and next, and its forms.

The calendar must agree with the pure resolver (``escalations.core.shifts`` and
``schedules.on_duty``) at every instant, show local wall times across a DST change, and mark
overrides, time off and public holidays (docs/console.md, "On call").
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from escalations.core.config import Config
from escalations.core.config_schedule import Override, TimeOff
from escalations.core.schedules import on_duty
from escalations_intake.console.forms import FormError
from escalations_intake.console.oncall_forms import instant, override_form, time_off_form
from escalations_intake.console.oncall_now import now_and_next
from escalations_intake.console.oncall_week import (
    Week,
    WeekError,
    build_week,
    week_name,
    week_start,
)
from tests.unit.core.schedule_helpers import config, utc

NEW_YORK = ZoneInfo("America/New_York")
# Two layers in New York: a weekly base around the clock, and weekday business hours above
# it; St Patrick's Day comes from the team's IE calendar (an office abroad).
TEAMS = """
teams:
  - id: t
    name: Team t
    lead: ann
    holidays: US
    schedule:
      layers:
        - name: base
          rotation: weekly
          handoff: "09:00"
          handoff_weekday: mon
          timezone: America/New_York
          start: 2026-01-05
          members: [ann, bob]
        - name: days
          rotation: daily
          handoff: "09:00"
          timezone: America/New_York
          start: 2026-01-05
          members: [cat, dan, eve]
          restrictions:
            - {days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00"}
        - name: holidays
          rotation: daily
          handoff: "09:00"
          timezone: America/New_York
          start: 2026-01-01
          members: [fay]
          holidays: team
"""
# 2026-W10: Monday 2 March to Sunday 8 March; New York springs forward on Sunday 8 March.
DST_WEEK = date(2026, 3, 2)


@pytest.fixture(scope="module")
def cfg() -> Config:
    return config(TEAMS)


def _row(week: Week, label: str) -> list[list[tuple[str, str, str]]]:
    (row,) = [r for r in week.rows if r.label == label]
    return [[(b.person, b.start, b.end) for b in cell] for cell in row.cells]


def _covering(week: Week, label: str, at: datetime) -> set[str]:
    """Return who the row's blocks have on duty at ``at``, read back from the page's ISO times."""
    (row,) = [r for r in week.rows if r.label == label]
    return {
        b.person
        for cell in row.cells
        for b in cell
        if datetime.fromisoformat(b.start_iso) <= at < datetime.fromisoformat(b.end_iso)
    }


def test_week_start_reads_iso_weeks_dates_and_defaults_to_this_monday() -> None:
    assert date(2026, 3, 16) == week_start("2026-W12", date(2020, 1, 1))
    assert date(2026, 3, 27) == week_start("2026-03-27", date(2020, 1, 1))
    assert date(2026, 3, 23) == week_start(None, date(2026, 3, 26))
    assert date(2026, 3, 23) == week_start("", date(2026, 3, 29))
    assert "2026-W12" == week_name(date(2026, 3, 16))
    assert "2026-03-27" == week_name(date(2026, 3, 27))
    assert "2026-W53" == week_name(date(2026, 12, 28))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2026-W54", "not a real week"),
        ("2026-13-01", "not a real week or date"),
        ("next", "neither a week like 2026-W12 nor a date"),
        ("1999-06-01", "outside 2000 to 2100"),
        ("2026-W1", "neither"),
    ],
)
def test_week_start_refuses_junk_naming_the_parameter(text: str, says: str) -> None:
    with pytest.raises(WeekError, match=r"^week: ") as caught:
        week_start(text, date(2026, 1, 1))
    assert says in str(caught.value)


def test_a_dst_week_keeps_local_wall_times_and_names_the_change(cfg: Config) -> None:
    """Handoffs stay at 09:00 local across the change, so their UTC instants move an hour."""
    week = build_week(cfg, "t", DST_WEEK)
    assert "America/New_York" == week.zone
    assert [d.day.day for d in week.days] == [2, 3, 4, 5, 6, 7, 8]
    sunday = week.days[6]
    assert "Clocks change: EST to EDT" == sunday.clock_change
    assert timedelta(hours=23) == sunday.end - sunday.start
    assert all(d.clock_change is None for d in week.days[:6])
    days = _row(week, "Layer days")
    assert [("eve", "09:00", "17:00")] == days[0]  # 56 days after 5 Jan: slot 56, eve
    assert [] == days[5] == days[6]
    base = _row(week, "Layer base")
    assert [("bob", "00:00", "09:00"), ("ann", "09:00", "24:00")] == base[0]
    assert [("ann", "00:00", "24:00")] == base[6]  # 23 hours, still midnight to midnight
    (monday,) = next(r for r in week.rows if r.label == "Layer days").cells[0]
    assert "2026-03-02T14:00:00+00:00" == monday.start_iso  # 09:00 EST
    following = build_week(cfg, "t", DST_WEEK + timedelta(days=7))
    (after,) = next(r for r in following.rows if r.label == "Layer days").cells[0]
    assert ("09:00", "2026-03-09T13:00:00+00:00") == (after.start, after.start_iso)  # EDT


def test_the_on_call_row_is_the_pure_resolver_at_every_instant(cfg: Config) -> None:
    """Every 15 minutes of the DST week, with an override and time off, the "On call" row has
    exactly the people ``on_duty`` gives; each layer row is that layer alone."""
    extra = Override(team="t", person="gus", start=utc(2026, 3, 7, 22), end=utc(2026, 3, 8, 9))
    away = TimeOff(person="dan", start=utc(2026, 3, 3, 0), end=utc(2026, 3, 5, 0), reason="x")
    week = build_week(cfg, "t", DST_WEEK, overrides=[extra], time_off=[away])
    at = week.days[0].start
    while at < week.days[-1].end:
        expected = {d.person for d in on_duty(cfg, "t", at, overrides=[extra], time_off=[away])}
        assert expected == _covering(week, "On call", at), at
        at += timedelta(minutes=15)


def test_overrides_and_time_off_are_marked(cfg: Config) -> None:
    """The override's block says so (in "On call" and "Overrides"); whoever covers for someone
    on time off is marked, and the time off row names the person away and why."""
    extra = Override(team="t", person="gus", start=utc(2026, 3, 4, 15), end=utc(2026, 3, 4, 18))
    away = TimeOff(person="dan", start=utc(2026, 3, 4, 0), end=utc(2026, 3, 5, 0), reason="flu")
    week = build_week(cfg, "t", DST_WEEK, overrides=[extra], time_off=[away])
    oncall = next(r for r in week.rows if r.label == "On call")
    overriding = [b for b in oncall.cells[2] if b.override]
    assert [("gus", "10:00", "13:00")] == [(b.person, b.start, b.end) for b in overriding]
    (listed,) = next(r for r in week.rows if r.label == "Overrides").cells[2]
    assert (listed.person, listed.override) == ("gus", True)
    (cover,) = next(r for r in week.rows if r.label == "Layer days").cells[2]
    assert (cover.person, cover.covering) == ("eve", "Dan")
    (leave,) = next(r for r in week.rows if r.label == "Time off").cells[2]
    assert ("dan", "flu", "00:00", "19:00") == (leave.person, leave.note, leave.start, leave.end)
    assert (leave.from_before, leave.past_end) == (True, False)


def test_public_holidays_are_named_and_the_holiday_layer_runs_on_them(cfg: Config) -> None:
    """Thanksgiving 2026 (Thursday 26 November) in the team's US calendar."""
    week = build_week(cfg, "t", date(2026, 11, 23))
    assert [None, None, None, "Thanksgiving Day"] == [d.holiday for d in week.days[:4]]
    holiday = _row(week, "Layer holidays")
    assert [("fay", "00:00", "24:00")] == holiday[3]
    assert all(not cell for i, cell in enumerate(holiday) if i != 3)
    assert {"fay"} == _covering(week, "On call", utc(2026, 11, 26, 18))


def test_now_and_next_gives_the_hand_over_per_level(cfg: Config) -> None:
    """At 08:00 EST on a Monday the base layer (bob) hands over to the day layer at 09:00."""
    at = utc(2026, 3, 2, 13)
    (level,) = now_and_next(cfg, "t", at)
    assert ["bob"] == [p.person for p in level.now]
    assert ["eve"] == [p.person for p in level.next]
    assert utc(2026, 3, 2, 14) == level.handover


def test_form_times_are_local_wall_times_of_the_team_zone(cfg: Config) -> None:
    """A form time is read in the team's zone; a time in the spring-forward gap moves on."""
    assert utc(2026, 3, 2, 14) == instant("start", "2026-03-02T09:00", NEW_YORK)
    assert utc(2026, 3, 8, 7, 30) == instant("start", "2026-03-08T02:30", NEW_YORK)
    assert utc(2026, 3, 2, 9) == instant("start", "2026-03-02T09:00:00+00:00", NEW_YORK)
    for bad in ("", "2026-03-02T25:00", "tomorrow", "2026-03-02T09:00:00"):
        with pytest.raises(FormError) as caught:
            instant("start", bad, NEW_YORK)
        assert "start" == caught.value.name


def _form(person: str, start: str, end: str) -> dict[str, str]:
    return {"person": person, "start": start, "end": end}


@pytest.mark.parametrize(
    ("fields", "name", "says"),
    [
        (_form("", "2026-03-02T09:00", "2026-03-02T10:00"), "person", "is required"),
        (_form("zed", "2026-03-02T09:00", "2026-03-02T10:00"), "person", "no person 'zed'"),
        (_form("ann", "2026-03-02T09:00", "2026-03-02T08:00"), "end", "must be after start"),
        (_form("ann", "2026-01-02T09:00", "2026-01-02T10:00"), "end", "must be in the future"),
        (_form("ann", "2026-03-02T09:00", "2026-07-02T10:00"), "end", "longer than 90 days"),
    ],
)
def test_override_form_errors_name_the_field(
    cfg: Config, fields: dict[str, str], name: str, says: str
) -> None:
    with pytest.raises(FormError) as caught:
        override_form(fields, cfg, NEW_YORK, utc(2026, 2, 1))
    assert name == caught.value.name
    assert says in str(caught.value)


def test_time_off_form_reads_a_reason_and_refuses_control_characters(cfg: Config) -> None:
    window = {"person": "ann", "start": "2026-03-02T09:00", "end": "2026-03-03T09:00"}
    asked = time_off_form({**window, "reason": " dentist "}, cfg, NEW_YORK, utc(2026, 2, 1))
    assert ("ann", "dentist", utc(2026, 3, 2, 14)) == (asked.person, asked.reason, asked.start)
    with pytest.raises(FormError, match=r"^reason: must not contain control"):
        time_off_form({**window, "reason": "a\x07b"}, cfg, NEW_YORK, utc(2026, 2, 1))

"""Team health sums (docs/console.md, "Team health"): pages by night, weekend and holiday
across time zones and DST, graphic exposure, open load, SLA compliance, charts, access."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from escalations.core.access import roles_of
from escalations.core.config import Config, load_config
from escalations.settings import DEMO_CONFIG
from escalations_intake.console.health_chart import BAR_AREA, LABEL, bar_chart, percent
from escalations_intake.console.health_data import (
    PageCount,
    SlaRow,
    calendars_of,
    compliance,
    count_pages,
    exposure,
    health_teams,
    may_see_health,
    open_load,
    page_kinds,
    team_people,
)

CONFIG: Config = load_config(DEMO_CONFIG).config
DUBLIN = ZoneInfo("Europe/Dublin")
LA = ZoneInfo("America/Los_Angeles")
IE = frozenset({"IE"})


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("at", "zone", "calendars", "kinds"),
    [
        # A Monday evening: night in Dublin (UTC+0 in winter), afternoon in Los Angeles.
        ("2026-12-07T23:30", DUBLIN, IE, {"night"}),
        ("2026-12-07T23:30", LA, IE, set()),
        # Saturday 03:00 UTC is a Saturday night in Dublin, a Friday evening in Los Angeles.
        ("2026-12-12T03:00", DUBLIN, IE, {"night", "weekend"}),
        ("2026-12-12T03:00", LA, IE, set()),
        # 21:30 UTC is 22:30 in Irish summer time (night) but 21:30 in winter (not).
        ("2026-07-01T21:30", DUBLIN, IE, {"night"}),
        ("2026-12-01T21:30", DUBLIN, IE, set()),
        # Across the spring DST change in Dublin (29 March 2026): 06:30 UTC is 06:30 local
        # on Saturday 28th (night) and 07:30 local on Sunday 29th (morning).
        ("2026-03-28T06:30", DUBLIN, IE, {"night", "weekend"}),
        ("2026-03-29T06:30", DUBLIN, IE, {"weekend"}),
        # Across the US change (8 March 2026): 14:30 UTC is 06:30 PST, then 07:30 PDT.
        ("2026-03-06T14:30", LA, frozenset(), {"night"}),
        ("2026-03-09T14:30", LA, frozenset(), set()),
        # The night ends at 07:00 exactly and starts at 22:00 exactly (Dublin, winter).
        ("2026-12-08T06:59", DUBLIN, IE, {"night"}),
        ("2026-12-08T07:00", DUBLIN, IE, set()),
        ("2026-12-08T22:00", DUBLIN, IE, {"night"}),
        # St Patrick's Day (a Tuesday) is an Irish holiday; not without the calendar.
        ("2026-03-17T12:00", DUBLIN, IE, {"holiday"}),
        ("2026-03-17T12:00", DUBLIN, frozenset(), set()),
        # The holiday is the person's local date: 05:00 UTC on the 18th is still the
        # evening of the 17th in Los Angeles, but the 18th in Dublin.
        ("2026-03-18T05:00", LA, IE, {"night", "holiday"}),
        ("2026-03-18T05:00", DUBLIN, IE, {"night"}),
        # Christmas Day 2026 is a Friday; St Stephen's Day a Saturday: weekend and holiday.
        ("2026-12-26T10:00", DUBLIN, IE, {"weekend", "holiday"}),
    ],
)
def test_a_page_is_classified_in_the_persons_time_zone(
    at: str, zone: ZoneInfo, calendars: frozenset[str], kinds: set[str]
) -> None:
    """Night 22:00-07:00, weekend Sat/Sun, holidays of the calendars, all in local time."""
    assert kinds == set(page_kinds(_utc(at), zone, calendars))


def test_a_page_without_a_zone_is_refused() -> None:
    """A naive instant cannot be placed in anyone's night."""
    with pytest.raises(ValueError, match="time zone"):
        page_kinds(datetime(2026, 12, 7, 23, 30), DUBLIN, IE)


def test_pages_are_counted_per_person_and_kind_others_ignored() -> None:
    """Each page counts once in the total and once in each kind it is; strangers are left out."""
    pages = [
        ("ciaran", _utc("2026-12-12T03:00")),  # Saturday night
        ("ciaran", _utc("2026-12-08T12:00")),  # Tuesday noon
        ("maria", _utc("2026-12-12T03:00")),  # Friday evening in Los Angeles
        ("stranger", _utc("2026-12-12T03:00")),
    ]
    zones = {"ciaran": DUBLIN, "maria": LA, "niamh": DUBLIN}
    found = count_pages(pages, ["ciaran", "maria", "niamh"], zones, {"ciaran": IE})
    assert [
        PageCount("ciaran", total=2, night=1, weekend=1, holiday=0),
        PageCount("maria", total=1),
        PageCount("niamh"),
    ] == found
    assert [] == count_pages([], [], {}, {})


def test_exposure_counts_the_window_as_assignment_does() -> None:
    """A stamp exactly a window ago is out, one at ``now`` is in, a later one is out."""
    now = _utc("2026-12-07T12:00")
    window = timedelta(hours=8)
    stamps = [now - window, now - window + timedelta(seconds=1), now, now + timedelta(seconds=1)]
    assert 2 == exposure(stamps, now, window)
    assert 0 == exposure([], now, window)


def test_open_load_lists_every_person_then_other_owners() -> None:
    """People with nothing open show 0; an owner not on the team is listed after them."""
    assert [("a", 2), ("b", 0), ("x", 1)] == open_load({"a": 2, "x": 1}, ["a", "b"])
    assert [] == open_load({}, [])


def _sla(tier: str, received: datetime, **changes: datetime | None) -> SlaRow:
    fields: dict[str, datetime | None] = {
        "acknowledge_by": received + timedelta(minutes=15),
        "acknowledged_at": None,
        "resolve_by": received + timedelta(hours=4),
        "resolved_at": None,
        **changes,
    }
    return SlaRow(tier=tier, received_at=received, **fields)


def test_compliance_counts_met_and_missed_deadlines_not_pending_ones() -> None:
    """Met, late, missed and still-open deadlines, per tier and period."""
    now = _utc("2026-12-07T12:00")
    day = timedelta(days=1)
    t = now - 2 * day
    rows = [
        _sla("P1", t, acknowledged_at=t + timedelta(minutes=5), resolved_at=t + timedelta(hours=1)),
        _sla("P1", t, acknowledged_at=t + timedelta(minutes=20)),  # late; resolve missed
        _sla("P1", now - timedelta(minutes=5)),  # both deadlines still ahead: not counted
        _sla("P1", t, acknowledge_by=None, resolve_by=None),  # no deadlines: not counted
        _sla("P2", now - 10 * day, acknowledged_at=now - 10 * day),  # only in the 30 days
        _sla("P0", now - 40 * day),  # outside both periods
        _sla("P9", t),  # not a tier: ignored
    ]
    week = {c.tier: c for c in compliance(rows, now, 7)}
    month = {c.tier: c for c in compliance(rows, now, 30)}
    assert ["P0", "P1", "P2", "P3", "P4"] == list(week)
    p1 = week["P1"]
    assert (1, 2, 1, 2) == (
        p1.acknowledged_met,
        p1.acknowledged_due,
        p1.resolved_met,
        p1.resolved_due,
    )
    assert (0.5, 0.5) == (p1.acknowledged_share, p1.resolved_share)
    assert (None, None) == (week["P2"].acknowledged_share, week["P0"].resolved_share)
    assert (1, 1, 0, 1) == (
        month["P2"].acknowledged_met,
        month["P2"].acknowledged_due,
        month["P2"].resolved_met,
        month["P2"].resolved_due,
    )
    assert all(c.acknowledged_due == 0 for c in compliance([], now, 7))


def test_an_acknowledgement_exactly_at_the_deadline_meets_it() -> None:
    """The deadline is inclusive."""
    now = _utc("2026-12-07T12:00")
    t = now - timedelta(hours=5)
    (p1,) = [
        c
        for c in compliance([_sla("P1", t, acknowledged_at=t + timedelta(minutes=15))], now, 7)
        if c.tier == "P1"
    ]
    assert (1, 1) == (p1.acknowledged_met, p1.acknowledged_due)


def test_health_is_for_leads_of_the_team_and_admins() -> None:
    """Aoife (admin) sees every team, Seán (deputy lead) his, Ciarán (responder) none."""
    every = [team.id for team in CONFIG.teams]
    assert every == health_teams(CONFIG, roles_of(CONFIG, "aoife"))
    assert ["ts-dublin"] == health_teams(CONFIG, roles_of(CONFIG, "sean"))
    assert [] == health_teams(CONFIG, roles_of(CONFIG, "ciaran"))
    assert not may_see_health(roles_of(CONFIG, "sean"), "child-safety")
    assert may_see_health(roles_of(CONFIG, "roisin"), "child-safety")


def test_a_teams_people_and_their_holiday_calendars() -> None:
    """Members then leads not on the schedule; the team's calendar, and a layer's 'team'."""
    dublin = CONFIG.teams_by_id["ts-dublin"]
    people = team_people(dublin)
    assert set(dublin.members()) | dublin.leaders() == set(people)
    assert people.index("aoife") < len(people)
    assert IE == calendars_of(dublin, "aoife")
    general = CONFIG.teams_by_id["general-ts"]
    assert frozenset() == calendars_of(general, "liam")


def test_bar_chart_geometry_scales_to_the_largest_and_marks_the_cap() -> None:
    """Widths are proportional; a value at the cap is over; the cap line sits at its x."""
    chart = bar_chart([("a", 1, "1"), ("b", 4, "4"), ("c", 0, "0")], cap=2)
    assert [BAR_AREA / 4, BAR_AREA, 0] == [bar.width for bar in chart.bars]
    assert [False, True, False] == [bar.over for bar in chart.bars]
    assert LABEL + BAR_AREA / 2 == chart.cap_x
    assert chart.bars[0].y < chart.bars[1].y < chart.bars[2].y
    empty = bar_chart([])
    assert ((), None) == (empty.bars, empty.cap_x)
    assert empty.height > 0
    assert [BAR_AREA / 2] == [bar.width for bar in bar_chart([("x", 50, "")], top=100).bars]
    assert ("no data", "67 %") == (percent(None), percent(2 / 3))

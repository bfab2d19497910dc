"""iCalendar feeds of shifts: RFC 5545 structure, UTC times, stable UIDs."""

from __future__ import annotations

from icalendar import Calendar

from escalations.core.config import Override, demo_config_path, load_config
from escalations.core.ical import person_calendar, team_calendar
from escalations.core.shifts import shifts
from tests.unit.core.schedule_helpers import utc

CONFIG = load_config(demo_config_path()).config
START, END = utc(2026, 12, 24), utc(2026, 12, 27)


def events(document: bytes) -> list[dict[str, str]]:
    """Parse an iCalendar document back into simple event dicts."""
    calendar = Calendar.from_ical(document)
    return [
        {
            "uid": str(event["UID"]),
            "start": event.decoded("DTSTART").isoformat(),
            "end": event.decoded("DTEND").isoformat(),
            "summary": str(event["SUMMARY"]),
        }
        for event in calendar.walk("VEVENT")
    ]


def test_team_calendar_has_one_event_per_shift_in_utc() -> None:
    """Each shift becomes a VEVENT with UTC start and end and a summary naming team and layer."""
    found = shifts(CONFIG, "ts-dublin", START, END)
    parsed = events(team_calendar(CONFIG, "ts-dublin", START, END))
    assert [(s.start.isoformat(), s.end.isoformat()) for s in found] == [
        (event["start"], event["end"]) for event in parsed
    ]
    assert (
        "On call: T&S Escalations (Dublin) (layer ie-holidays) - Eoin Gallagher"
        == parsed[6]["summary"]
    )


def test_calendar_declares_version_prodid_and_utc_times() -> None:
    """The document is VCALENDAR 2.0 with a PRODID, and times are written with a Z."""
    text = team_calendar(CONFIG, "ts-dublin", START, END, stamp=utc(2026, 11, 25, 9)).decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert "VERSION:2.0\r\n" in text
    assert "PRODID:-//escalations//on-call schedules//EN\r\n" in text
    assert "DTSTART:20261224T000000Z\r\n" in text
    assert "DTSTAMP:20261125T090000Z\r\n" in text


def test_uids_are_unique_and_stable_across_requests() -> None:
    """The same shift keeps its UID when the feed is fetched again with another window."""
    first = events(team_calendar(CONFIG, "ts-dublin", START, END))
    later = events(team_calendar(CONFIG, "ts-dublin", utc(2026, 12, 25, 9), END))
    assert len(first) == len({event["uid"] for event in first})
    assert {e["uid"] for e in first if e["start"] >= "2026-12-25T09"} == {e["uid"] for e in later}


def test_person_calendar_holds_only_that_persons_shifts() -> None:
    """A person's feed lists their shifts on every team, overrides included."""
    override = Override(
        team="child-safety", person="niamh", start=utc(2026, 12, 24, 12), end=utc(2026, 12, 24, 14)
    )
    parsed = events(person_calendar(CONFIG, "niamh", START, END, overrides=[override]))
    assert [
        (
            "2026-12-24T12:00:00+00:00",
            "On call: Child Safety Specialists (override) - Niamh O'Connor",
        ),
        (
            "2026-12-26T01:00:00+00:00",
            "On call: T&S Escalations (Dublin) (layer weekend) - Niamh O'Connor",
        ),
        (
            "2026-12-26T09:00:00+00:00",
            "On call: T&S Escalations (Dublin) (layer ie-holidays) - Niamh O'Connor",
        ),
        (
            "2026-12-26T17:00:00+00:00",
            "On call: T&S Escalations (Dublin) (layer weekend) - Niamh O'Connor",
        ),
    ] == [(event["start"], event["summary"]) for event in parsed]

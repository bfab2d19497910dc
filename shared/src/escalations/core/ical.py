"""iCalendar (RFC 5545) feeds of on-call shifts, per team and per person.

UIDs are derived from what the shift is (team, layer, person, start, covering), so the same
shift keeps its UID across refreshes and a calendar client updates rather than duplicates
it. A shift cut by the edge of the requested window takes its UID from the cut start.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from icalendar import Calendar, Event

from escalations.core.config import Config
from escalations.core.config_schedule import Override, TimeOff
from escalations.core.rotation import as_utc
from escalations.core.schedules import OVERRIDE
from escalations.core.shifts import Shift, person_shifts, shifts

PRODID = "-//escalations//on-call schedules//EN"
UID_DOMAIN = "oncall.escalations"


def shift_uid(shift: Shift) -> str:
    """Return a stable UID for a shift."""
    key = "|".join(
        (shift.team, shift.layer, shift.person, shift.start.isoformat(), shift.covering or "")
    )
    return f"{hashlib.sha256(key.encode()).hexdigest()[:32]}@{UID_DOMAIN}"


def _summary(config: Config, shift: Shift) -> str:
    team = config.teams_by_id[shift.team].name
    person = config.people_by_id[shift.person].name
    how = "override" if shift.layer == OVERRIDE else f"layer {shift.layer}"
    cover = f", covering {config.people_by_id[shift.covering].name}" if shift.covering else ""
    return f"On call: {team} ({how}) - {person}{cover}"


def to_ical(config: Config, found: Sequence[Shift], name: str, stamp: datetime) -> bytes:
    """Render shifts as an iCalendar document; ``stamp`` becomes every DTSTAMP."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    stamp = as_utc(stamp, "stamp")
    for shift in found:
        event = Event()
        event.add("uid", shift_uid(shift))
        event.add("dtstamp", stamp)
        event.add("dtstart", as_utc(shift.start))
        event.add("dtend", as_utc(shift.end))
        event.add("summary", _summary(config, shift))
        event.add("categories", [shift.team, shift.layer])
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def team_calendar(
    config: Config,
    team_id: str,
    start: datetime,
    end: datetime,
    *,
    overrides: Sequence[Override] = (),
    time_off: Sequence[TimeOff] = (),
    stamp: datetime | None = None,
) -> bytes:
    """Return the team's shifts in [start, end) as iCalendar (``stamp`` defaults to start)."""
    team = config.team(team_id)
    found = shifts(config, team.id, start, end, overrides=overrides, time_off=time_off)
    return to_ical(config, found, f"On call: {team.name}", stamp or start)


def person_calendar(
    config: Config,
    person_id: str,
    start: datetime,
    end: datetime,
    *,
    overrides: Sequence[Override] = (),
    time_off: Sequence[TimeOff] = (),
    stamp: datetime | None = None,
) -> bytes:
    """Return one person's shifts in [start, end), all teams, as iCalendar."""
    person = config.person(person_id)
    found = person_shifts(config, person.id, start, end, overrides=overrides, time_off=time_off)
    return to_ical(config, found, f"On call: {person.name}", stamp or start)

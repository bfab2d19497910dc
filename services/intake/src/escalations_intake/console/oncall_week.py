"""The on-call page's week calendar, built from plain data (pure; docs/console.md, "On call").

A week is seven local days of the team's time zone (its first layer's zone), each day the
interval ``[wall(day, 00:00), wall(day + 1, 00:00))`` so a day on which the clocks change is
23 or 25 hours long and every time shown is local wall time. Rows: one per schedule layer
(who that layer's rotation has on duty, time off applied, overrides not), then "On call"
(the pure resolver ``escalations.core.shifts.shifts``: overrides and time off applied, the
highest layer in force wins), then the overrides and the time off of the team's people.
Public holidays come from the team's ``holidays`` calendar, as the layers read it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from escalations.core.config import Config
from escalations.core.config_schedule import MINUTES_PER_DAY, Layer, Override, Schedule, TimeOff
from escalations.core.config_team import Team
from escalations.core.config_types import zone
from escalations.core.coverage import layer_intervals
from escalations.core.rotation import slot_at, slot_start, wall
from escalations.core.schedules import OVERRIDE, Duty, duties_at, leave_at, team_overrides
from escalations.core.shifts import shifts

_ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FIRST_YEAR, LAST_YEAR = 2000, 2100


class WeekError(ValueError):
    """The ``week`` parameter is not a week the calendar can show."""


@dataclass(frozen=True, slots=True)
class Stretch:
    """Someone on duty (or away) without a break, in UTC."""

    person: str
    start: datetime
    end: datetime
    layer: str
    covering: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Block:
    """A stretch clipped to one day, with its local wall times."""

    person: str
    name: str
    start: str
    end: str
    start_iso: str
    end_iso: str
    from_before: bool
    past_end: bool
    override: bool
    covering: str | None
    note: str


@dataclass(frozen=True, slots=True)
class Day:
    """One column: a local date, its public holiday (if any) and a clock change (if any)."""

    day: date
    label: str
    holiday: str | None
    clock_change: str | None
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Row:
    """One row of the calendar: a layer, the final on-call row, overrides or time off."""

    label: str
    kind: str
    cells: tuple[tuple[Block, ...], ...]


@dataclass(frozen=True, slots=True)
class Week:
    """The calendar of one team for seven local days."""

    team: str
    zone: str
    start: date
    days: tuple[Day, ...]
    rows: tuple[Row, ...]
    previous: str
    following: str


def team_zone(team: Team) -> str:
    """Return the team's time zone: the zone of its first layer."""
    return team.schedule.layers[0].timezone


def week_start(text: str | None, today: date) -> date:
    """Return the first day of the week asked for: ``2026-W12`` (its Monday) or a date.

    No text is the current week (its Monday). Raise ``WeekError`` naming what is wrong.
    """
    if not text:
        return today - timedelta(days=today.weekday())
    found = _ISO_WEEK.match(text)
    try:
        if found:
            start = date.fromisocalendar(int(found[1]), int(found[2]), 1)
        elif _ISO_DAY.match(text):
            start = date.fromisoformat(text)
        else:
            raise WeekError(f"week: '{text}' is neither a week like 2026-W12 nor a date")
    except ValueError as exc:
        if isinstance(exc, WeekError):
            raise
        raise WeekError(f"week: '{text}' is not a real week or date ({exc})") from exc
    if not FIRST_YEAR <= start.year <= LAST_YEAR:
        raise WeekError(f"week: '{text}' is outside {FIRST_YEAR} to {LAST_YEAR}")
    return start


def week_name(start: date) -> str:
    """Return how a link names the week starting ``start`` (an ISO week for a Monday)."""
    if start.weekday() == 0:
        year, number, _ = start.isocalendar()
        return f"{year}-W{number:02d}"
    return start.isoformat()


def week_window(start: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the UTC bounds of seven local days from ``start``."""
    return wall(start, 0, tz), wall(start + timedelta(days=7), 0, tz)


@lru_cache(maxsize=256)
def holiday_names(calendar: str, year: int) -> dict[date, str]:
    """Return the public holidays of ``calendar`` (``IE``, ``US-CA``) in ``year``, named."""
    country, _, subdivision = calendar.partition("-")
    found = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    return {day: str(name) for day, name in found.items()}


def days_of(start: date, tz: ZoneInfo, calendar: str | None) -> tuple[Day, ...]:
    """Return the seven days from ``start``: bounds, holiday name, clock change."""
    found: list[Day] = []
    for offset in range(7):
        day = start + timedelta(days=offset)
        begin, end = wall(day, 0, tz), wall(day, MINUTES_PER_DAY, tz)
        before, after = begin.astimezone(tz), (end - timedelta(seconds=1)).astimezone(tz)
        change = None
        if before.utcoffset() != after.utcoffset():
            change = f"Clocks change: {before:%Z} to {after:%Z}"
        holiday = holiday_names(calendar, day.year).get(day) if calendar else None
        found.append(Day(day, f"{day:%a} {day.day} {day:%b}", holiday, change, begin, end))
    return tuple(found)


def merge(
    points: Sequence[datetime], duties: Callable[[datetime], list[Duty]], end: datetime
) -> list[Stretch]:
    """Return the stretches of ``duties`` evaluated at each point (sorted), merged per person.

    Who is on duty may only change at a point, as in ``escalations.core.shifts``.
    """
    opened: dict[tuple[str, str, str | None], datetime] = {}
    found: list[Stretch] = []
    for point in [*points, end]:
        now = set() if point == end else {(d.person, d.layer, d.covering) for d in duties(point)}
        for key in [key for key in opened if key not in now]:
            found.append(Stretch(key[0], opened.pop(key), point, key[1], key[2]))
        for key in sorted(now, key=str):
            opened.setdefault(key, point)
    return sorted(found, key=lambda s: (s.start, s.person))


def layer_stretches(
    config: Config,
    team: Team,
    layer: Layer,
    window: tuple[datetime, datetime],
    time_off: Sequence[TimeOff],
) -> list[Stretch]:
    """Return who one layer alone has on duty in ``window`` (time off applied, no overrides)."""
    start, end = window
    alone = team.model_copy(update={"schedule": Schedule(layers=(layer,))})
    points = {start}
    for interval in layer_intervals(layer, team.holidays, start, end):
        points.update(interval)
    if layer.begin < end:
        first = slot_at(layer, max(start, layer.begin))
        points.update(slot_start(layer, n) for n in range(first, slot_at(layer, end) + 2))
    for away in (*config.time_off, *time_off):
        points.update((away.start, away.end))
    ordered = sorted(p for p in points if start <= p < end)
    return merge(ordered, lambda at: duties_at(alone, at, (), leave_at(config, time_off, at)), end)


def blocks(
    stretches: Sequence[Stretch], day: Day, tz: ZoneInfo, names: dict[str, str]
) -> tuple[Block, ...]:
    """Return the stretches overlapping ``day``, clipped to it, in local wall time."""
    found: list[Block] = []
    for stretch in stretches:
        start, end = max(stretch.start, day.start), min(stretch.end, day.end)
        if start >= end:
            continue
        found.append(
            Block(
                person=stretch.person,
                name=names.get(stretch.person, stretch.person),
                start=f"{start.astimezone(tz):%H:%M}",
                end="24:00" if end == day.end else f"{end.astimezone(tz):%H:%M}",
                start_iso=start.isoformat(),
                end_iso=end.isoformat(),
                from_before=stretch.start < day.start,
                past_end=stretch.end > day.end,
                override=stretch.layer == OVERRIDE,
                covering=_name(names, stretch.covering),
                note=stretch.note,
            )
        )
    return tuple(found)


def _name(names: dict[str, str], person: str | None) -> str | None:
    return names.get(person, person) if person is not None else None


def build_week(
    config: Config,
    team_id: str,
    start: date,
    *,
    overrides: Sequence[Override] = (),
    time_off: Sequence[TimeOff] = (),
) -> Week:
    """Return the week calendar of ``team_id`` from local date ``start`` (7 days)."""
    team = config.team(team_id)
    tz_name = team_zone(team)
    tz = zone(tz_name)
    window = week_window(start, tz)
    days = days_of(start, tz, team.holidays)
    names = {person.id: person.name for person in config.people}
    rows: list[tuple[str, str, list[Stretch]]] = [
        (f"Layer {layer.name}", "layer", layer_stretches(config, team, layer, window, time_off))
        for layer in team.schedule.layers
    ]
    final = shifts(config, team.id, *window, overrides=overrides, time_off=time_off)
    oncall = [Stretch(s.person, s.start, s.end, s.layer, s.covering) for s in final]
    rows.append(("On call", "oncall", oncall))
    rows.append(("Overrides", "override", _overrides(config, team.id, overrides, window)))
    rows.append(("Time off", "time-off", _time_off(config, team, time_off, window)))
    return Week(
        team=team.id,
        zone=tz_name,
        start=start,
        days=days,
        rows=tuple(
            Row(label, kind, tuple(blocks(found, day, tz, names) for day in days))
            for label, kind, found in rows
        ),
        previous=week_name(start - timedelta(days=7)),
        following=week_name(start + timedelta(days=7)),
    )


def _overrides(
    config: Config, team_id: str, overrides: Sequence[Override], window: tuple[datetime, datetime]
) -> list[Stretch]:
    start, end = window
    return [
        Stretch(o.person, o.start, o.end, OVERRIDE)
        for o in sorted(team_overrides(config, team_id, overrides), key=lambda o: o.start)
        if o.end > start and o.start < end
    ]


def _time_off(
    config: Config, team: Team, time_off: Sequence[TimeOff], window: tuple[datetime, datetime]
) -> list[Stretch]:
    start, end = window
    members = team.members()
    return [
        Stretch(t.person, t.start, t.end, "time off", note=t.reason)
        for t in sorted((*config.time_off, *time_off), key=lambda t: (t.start, t.person))
        if t.person in members and t.end > start and t.start < end
    ]

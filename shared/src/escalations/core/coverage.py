"""Coverage: when a team has a layer in force, and where nobody is on duty.

Built from intervals rather than by sampling, so a one-hour gap that appears only while
Europe and the US are on different clocks is found exactly.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from escalations.core.config_schedule import MINUTES_PER_DAY, Layer
from escalations.core.config_team import Team
from escalations.core.config_types import zone
from escalations.core.rotation import Interval, as_utc, calendar_of, is_holiday, wall

_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True, slots=True)
class Gap:
    """A stretch of time when nobody on the team is on duty."""

    start: datetime
    end: datetime


def union(intervals: list[Interval]) -> list[Interval]:
    """Return sorted, merged intervals (touching ones join)."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def intersect(left: list[Interval], right: list[Interval]) -> list[Interval]:
    """Return the intersection of two sorted, merged interval lists."""
    result: list[Interval] = []
    i = j = 0
    while i < len(left) and j < len(right):
        start, end = max(left[i][0], right[j][0]), min(left[i][1], right[j][1])
        if start < end:
            result.append((start, end))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return result


def _local_days(layer: Layer, start: datetime, end: datetime) -> list[date]:
    tz = zone(layer.timezone)
    first = start.astimezone(tz).date() - timedelta(days=1)
    count = (end.astimezone(tz).date() - first).days + 1
    return [first + timedelta(days=n) for n in range(count)]


def _restriction_intervals(layer: Layer, start: datetime, end: datetime) -> list[Interval]:
    tz = zone(layer.timezone)
    found: list[Interval] = []
    for day in _local_days(layer, start, end):
        for restriction in layer.restrictions:
            if any(d.number == day.weekday() for d in restriction.days):
                begin = restriction.start_minute
                found.append((wall(day, begin, tz), wall(day, begin + restriction.length, tz)))
    return union(found)


def _holiday_intervals(
    layer: Layer, calendar: str, start: datetime, end: datetime
) -> list[Interval]:
    tz = zone(layer.timezone)
    return union(
        [
            (wall(day, 0, tz), wall(day, MINUTES_PER_DAY, tz))
            for day in _local_days(layer, start, end)
            if is_holiday(calendar, day)
        ]
    )


def layer_intervals(
    layer: Layer, team_calendar: str | None, start: datetime, end: datetime
) -> list[Interval]:
    """Return when ``layer`` is in force within [start, end), ignoring who is away."""
    begin = max(start, layer.begin)
    if begin >= end:
        return []
    active = [(begin, end)]
    if layer.restrictions:
        active = intersect(active, _restriction_intervals(layer, begin, end))
    calendar = calendar_of(layer, team_calendar)
    if calendar is not None:
        active = intersect(active, _holiday_intervals(layer, calendar, begin, end))
    return active


def covered(team: Team, start: datetime, end: datetime) -> list[Interval]:
    """Return when at least one layer of ``team`` is in force within [start, end)."""
    start, end = as_utc(start, "start"), as_utc(end, "end")
    return union(
        [
            interval
            for layer in team.schedule.layers
            for interval in layer_intervals(layer, team.holidays, start, end)
        ]
    )


def gaps(team: Team, start: datetime, end: datetime) -> list[Gap]:
    """Return the stretches of [start, end) when no layer of ``team`` is in force."""
    start, end = as_utc(start, "start"), as_utc(end, "end")
    result: list[Gap] = []
    cursor = start
    for begin, finish in covered(team, start, end):
        if begin > cursor:
            result.append(Gap(cursor, begin))
        cursor = max(cursor, finish)
    if cursor < end:
        result.append(Gap(cursor, end))
    return result


def describe_gaps(found: list[Gap], limit: int = 8) -> list[str]:
    """Group gaps by time of day and length (UTC) into lines a lead can read."""
    groups: dict[tuple[str, timedelta], list[datetime]] = defaultdict(list)
    for gap in found:
        groups[(gap.start.strftime("%H:%M"), gap.end - gap.start)].append(gap.start)
    lines = []
    for (clock, length), starts in sorted(groups.items(), key=lambda item: item[1][0]):
        days = sorted({start.weekday() for start in starts})
        on = "every day" if len(days) == 7 else ", ".join(_DAY_NAMES[d] for d in days)
        finish = (starts[0] + length).strftime("%H:%M")
        span = f"{starts[0]:%Y-%m-%d}" + (f" to {starts[-1]:%Y-%m-%d}" if len(starts) > 1 else "")
        lines.append(
            f"{clock}-{finish} UTC ({_hours(length)}) on {on}, {len(starts)} time(s), {span}"
        )
    if len(lines) > limit:
        lines = [*lines[:limit], f"... and {len(lines) - limit} more pattern(s)"]
    return lines


def _hours(length: timedelta) -> str:
    minutes = int(length.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if minutes else f"{hours}h"

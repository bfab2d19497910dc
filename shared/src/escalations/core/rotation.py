"""Rotation maths for one layer: slots, handoffs, restriction windows, holidays.

Every instant here is an aware UTC datetime. Local wall times become instants with
:func:`wall`, which reads a time that does not exist (in a spring-forward gap) with the
offset in force before the change, e.g. 01:30 on the day Dublin jumps from 01:00 to 02:00
is 02:30 IST. A restriction window is the interval ``[wall(start), wall(end))``; the fast
paths below read local minutes and fall back to exact interval checks on the few days
where the zone changes its offset, so both agree everywhere.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from escalations.core.config_schedule import MINUTES_PER_DAY, Layer
from escalations.core.config_types import TEAM_CALENDAR, holiday_dates, zone

Interval = tuple[datetime, datetime]
ALWAYS: Interval = (datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC))
"""The bounds of a layer without restrictions: no window ever closes it."""


class NaiveDatetimeError(ValueError):
    """A datetime without a time zone reached a function that needs an instant."""


def as_utc(value: datetime, what: str = "time") -> datetime:
    """Return ``value`` in UTC, refusing naive datetimes with a clear error."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError(
            f"{what} {value.isoformat()} has no time zone; pass an aware datetime such as "
            f"{value.isoformat()}+00:00"
        )
    return value.astimezone(UTC)


def wall(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """Return the UTC instant of local ``day`` plus ``minute`` minutes of wall time."""
    day = day + timedelta(days=minute // MINUTES_PER_DAY)
    minute %= MINUTES_PER_DAY
    local = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=tz)
    return local.astimezone(UTC)


@lru_cache(maxsize=65_536)
def near_transition(tz: ZoneInfo, day: date) -> bool:
    """Return whether the zone changes offset between ``day - 1`` and ``day + 2``."""
    before = datetime(day.year, day.month, day.day, tzinfo=tz) - timedelta(days=1)
    after = datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(days=2)
    return before.utcoffset() != after.utcoffset()


def local_day(tz: ZoneInfo, at: datetime) -> date:
    """Return the local date whose ``[wall(d, 0), wall(d + 1, 0))`` contains ``at``."""
    day = at.astimezone(tz).date()
    if not near_transition(tz, day):
        return day
    for candidate in (day - timedelta(days=1), day, day + timedelta(days=1)):
        if wall(candidate, 0, tz) <= at < wall(candidate, MINUTES_PER_DAY, tz):
            return candidate
    return day


def slot_start(layer: Layer, slot: int) -> datetime:
    """Return the instant rotation slot ``slot`` begins (slot 0 begins at the epoch)."""
    tz = zone(layer.timezone)
    if layer.rotation.hours is not None:
        return layer.begin + timedelta(hours=layer.rotation.hours * slot)
    days = slot * layer.rotation.period_days
    return wall(layer.epoch + timedelta(days=days), layer.handoff_minute, tz)


def slot_at(layer: Layer, at: datetime) -> int:
    """Return the rotation slot in force at ``at`` (UTC)."""
    if layer.rotation.hours is not None:
        return (at - layer.begin) // timedelta(hours=layer.rotation.hours)
    tz = zone(layer.timezone)
    slot = (at.astimezone(tz).date() - layer.epoch).days // layer.rotation.period_days
    if at < slot_start(layer, slot):
        return slot - 1
    if at >= slot_start(layer, slot + 1):
        return slot + 1
    return slot


def calendar_of(layer: Layer, team_calendar: str | None) -> str | None:
    """Return the holiday calendar a layer follows (``team`` means the team's own)."""
    return team_calendar if layer.holidays == TEAM_CALENDAR else layer.holidays


def is_holiday(calendar: str, day: date) -> bool:
    """Return whether ``day`` is a public holiday in ``calendar`` (cached per year)."""
    return day in holiday_dates(calendar, day.year)


def window_at(layer: Layer, at: datetime) -> Interval | None:
    """Return the restriction window containing ``at``; a layer without any is always on."""
    tz = zone(layer.timezone)
    if not layer.restrictions:
        return ALWAYS
    local = at.astimezone(tz)
    day = local.date()
    if near_transition(tz, day):
        return _window_exact(layer, at, day, tz)
    minute = local.hour * 60 + local.minute
    for begin, end, back, index in layer.day_pieces[day.weekday()]:
        if begin <= minute < end:
            return _window_bounds(layer, index, day - timedelta(days=back), tz)
    return None


def _window_bounds(layer: Layer, index: int, day: date, tz: ZoneInfo) -> Interval:
    restriction = layer.restrictions[index]
    begin = restriction.start_minute
    return wall(day, begin, tz), wall(day, begin + restriction.length, tz)


def _window_exact(layer: Layer, at: datetime, day: date, tz: ZoneInfo) -> Interval | None:
    for start_day in (day - timedelta(days=1), day, day + timedelta(days=1)):
        for index, restriction in enumerate(layer.restrictions):
            if any(d.number == start_day.weekday() for d in restriction.days):
                bounds = _window_bounds(layer, index, start_day, tz)
                if bounds[0] <= at < bounds[1]:
                    return bounds
    return None


def pick(layer: Layer, slot: int, away: Collection[str]) -> list[tuple[str, str | None]]:
    """Return ``(person, covering)`` pairs on duty in ``slot``, skipping people away.

    Slot ``n`` puts members ``n*k .. n*k+k-1`` (mod the list) on duty, ``k`` = ``on_duty``.
    Someone away is replaced by the next member after that group who is neither away nor
    already on duty; ``covering`` names the person they stand in for.
    """
    members, size, count = layer.members, len(layer.members), layer.on_duty
    group = [members[(slot * count + offset) % size] for offset in range(count)]
    result: list[tuple[str, str | None]] = [(p, None) for p in group if p not in away]
    if len(result) == count:
        return result
    taken = set(group)
    position = slot * count + count
    for missing in (person for person in group if person in away):
        for step in range(size):
            candidate = members[(position + step) % size]
            if candidate not in taken and candidate not in away:
                taken.add(candidate)
                result.append((candidate, missing))
                break
    return result

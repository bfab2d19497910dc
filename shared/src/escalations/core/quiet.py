"""When a person's quiet hours end: the instant a held message may go out.

Quiet hours are wall-clock times in the person's time zone, so their end moves against
UTC with daylight saving time. The end is the first instant after ``at`` at which the
person's clock reads the end time:

* an end time that a spring-forward skips (02:30 on a night the clock jumps from 02:00
  to 03:00) is reached when the clock jumps, not an hour later;
* an end time that a fall-back repeats (01:30 twice) is reached the first time round.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from escalations.core.config_people import QuietHours
from escalations.core.config_types import clock_minutes, zone

_SECOND = timedelta(seconds=1)


def quiet_hours_end(quiet: QuietHours, timezone: str, at: datetime) -> datetime | None:
    """Return when the quiet hours that ``at`` falls in end (UTC); None when it is outside them."""
    if at.utcoffset() is None:
        raise ValueError("quiet hours need a tz-aware datetime")
    tz = zone(timezone)
    local = at.astimezone(tz)
    if not quiet.contains(local.hour * 60 + local.minute):
        return None
    end = timedelta(minutes=clock_minutes(quiet.end))
    # Quiet hours last less than a day, so their end is today's or tomorrow's end time.
    for day in (local.date(), local.date() + timedelta(days=1)):
        for instant in _instants(day, end, tz):
            if instant > at:
                return instant
    raise AssertionError(f"quiet hours {quiet.start}-{quiet.end} have no end after {at}")


def _instants(day: date, since_midnight: timedelta, tz: ZoneInfo) -> list[datetime]:
    """Return the UTC instants at which the clock in ``tz`` first reaches the wall time."""
    wall = datetime.combine(day, time()) + since_midnight
    found = sorted(
        {(wall.replace(tzinfo=tz, fold=fold)).astimezone(UTC) for fold in (0, 1)},
    )
    if _wall(found[-1], tz) == wall:
        return [i for i in found if _wall(i, tz) == wall]
    # The wall time does not exist (spring forward): the first instant whose clock reads
    # later lies between the two readings; find it to the second.
    low, high = found[0], found[-1]
    while high - low > _SECOND:
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if _wall(middle, tz) >= wall:
            high = middle
        else:
            low = middle
    return [high]


def _wall(instant: datetime, tz: ZoneInfo) -> datetime:
    return instant.astimezone(tz).replace(tzinfo=None)

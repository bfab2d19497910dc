"""Read the on-call page's forms into the API's bodies, or an error naming the field (pure).

An override or time off is a person and a window. The form's ``start`` and ``end`` are
local wall times of the team's zone (``datetime-local`` inputs: ``2026-03-29T09:00``) or
instants with an offset; a wall time that does not exist (in a spring-forward gap) reads as
the rotation maths do (``escalations.core.rotation.wall``). The checks are the API's
(``resources/schedules.py``): end after start, end in the future, at most 90 days for an
override and 366 for time off, a configured person (docs/console.md, "On call").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from escalations.core.config import Config
from escalations.core.rotation import wall
from escalations_intake.console.forms import FormError, field
from escalations_intake.resources.schedules import MAX_OVERRIDE, MAX_TIME_OFF

_LOCAL = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})$")
MAX_REASON = 500


@dataclass(frozen=True, slots=True)
class WindowForm:
    """A checked override or time off: who, from when, until when, and why (time off)."""

    person: str
    start: datetime
    end: datetime
    reason: str | None = None


def instant(name: str, text: str, tz: ZoneInfo) -> datetime:
    """Return the UTC instant of a form time: local wall time in ``tz``, or with an offset."""
    value = text.strip()
    if not value:
        raise FormError(name, "is required (a date and time such as 2026-03-29T09:00)")
    local = _LOCAL.match(value)
    try:
        if local:
            day = date.fromisoformat(local[1])
            hour, minute = int(local[2]), int(local[3])
            if hour > 23 or minute > 59:
                raise ValueError(f"no time {hour:02d}:{minute:02d}")
            return wall(day, hour * 60 + minute, tz)
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise FormError(name, f"'{value}' is not a date and time ({exc})") from exc
    if parsed.tzinfo is None:
        raise FormError(name, f"'{value}' is not a date and time such as 2026-03-29T09:00")
    return parsed.astimezone(UTC)


def window_of(
    fields: Mapping[str, str], config: Config, tz: ZoneInfo, longest: timedelta, now: datetime
) -> tuple[str, datetime, datetime]:
    """Return the form's (person, start, end), checked as the API checks its body."""
    person = field(fields, "person", 64).strip()
    if not person:
        raise FormError("person", "is required")
    if person not in config.people_by_id:
        raise FormError("person", f"no person '{person}' in the configuration")
    start = instant("start", field(fields, "start", 40), tz)
    end = instant("end", field(fields, "end", 40), tz)
    if end <= start:
        raise FormError("end", "must be after start")
    if end <= now:
        raise FormError("end", "must be in the future")
    if end - start > longest:
        raise FormError("end", f"window longer than {longest.days} days")
    return person, start, end


def override_form(
    fields: Mapping[str, str], config: Config, tz: ZoneInfo, now: datetime
) -> WindowForm:
    """Return the override the form asks for, or raise ``FormError`` naming the field."""
    return WindowForm(*window_of(fields, config, tz, MAX_OVERRIDE, now))


def time_off_form(
    fields: Mapping[str, str], config: Config, tz: ZoneInfo, now: datetime
) -> WindowForm:
    """Return the time off the form asks for, or raise ``FormError`` naming the field."""
    person, start, end = window_of(fields, config, tz, MAX_TIME_OFF, now)
    reason = field(fields, "reason", MAX_REASON).strip()
    if any(ord(c) < 32 or ord(c) == 127 for c in reason):
        raise FormError("reason", "must not contain control characters")
    return WindowForm(person, start, end, reason or None)


def cancel_reason(fields: Mapping[str, str]) -> str | None:
    """Return the optional reason of a cancel (shown in the history), checked as the API's."""
    reason = field(fields, "reason", MAX_REASON).strip()
    if any(ord(c) < 32 or ord(c) == 127 for c in reason):
        raise FormError("reason", "must not contain control characters")
    return reason or None


def feed_description(fields: Mapping[str, str]) -> str | None:
    """Return the optional note of a new calendar feed (at most 200 characters)."""
    note = field(fields, "description", 200).strip()
    if any(ord(c) < 32 or ord(c) == 127 for c in note):
        raise FormError("description", "must not contain control characters")
    return note or None


def local_input(at: datetime, tz: ZoneInfo) -> str:
    """Return an instant as a ``datetime-local`` value in ``tz`` (for re-filled forms)."""
    return f"{at.astimezone(tz):%Y-%m-%dT%H:%M}"

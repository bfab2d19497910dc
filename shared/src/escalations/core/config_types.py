"""Small validated value types shared by the configuration models.

Each type names what is wrong and how to fix it, because the person who reads the message
is editing YAML, not Python.
"""

from __future__ import annotations

import difflib
import re
from datetime import date
from enum import StrEnum
from functools import cache, lru_cache
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import holidays
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field

FROZEN = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

Identifier = Annotated[
    str,
    Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$"),
]
"""A person or team id: lower case letters, digits, ``_``, ``.``, ``-``."""

LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")]

_CLOCK = re.compile(r"^(?P<h>[01]\d|2[0-4]):(?P<m>[0-5]\d)$")


def suggest(value: str, choices: object) -> str:
    """Return `` (did you mean 'x'?)`` for the closest choice, or an empty string."""
    names = [str(choice) for choice in choices]  # type: ignore[attr-defined]
    close = difflib.get_close_matches(value, names, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


@cache
def zone(name: str) -> ZoneInfo:
    """Return the IANA zone ``name`` (cached: zone objects are built once per process)."""
    return ZoneInfo(name)


@cache
def _all_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_zone(name: str) -> str:
    """Return ``name`` if it is an IANA zone, else raise ValueError with a suggestion."""
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        hint = suggest(name, sorted(_all_zones())) or " (use an IANA name like 'Europe/Dublin')"
        raise ValueError(f"unknown time zone '{name}'{hint}") from None
    return name


ZoneName = Annotated[str, AfterValidator(check_zone)]
"""An IANA time zone name such as ``Europe/Dublin``."""


def clock_minutes(text: str) -> int:
    """Return the minutes since midnight of an ``HH:MM`` clock string (``24:00`` is 1440)."""
    match = _CLOCK.match(text)
    if match is None:
        raise ValueError(f"'{text}' is not a time; write it as HH:MM, e.g. '09:00'")
    return int(match["h"]) * 60 + int(match["m"])


def _check_clock(text: str) -> str:
    minutes = clock_minutes(text)
    if minutes > 1440:
        raise ValueError(f"'{text}' is past the end of the day; the latest time is '24:00'")
    return text


def _check_start_clock(text: str) -> str:
    if _check_clock(text) == "24:00":
        raise ValueError("a start or handoff time cannot be '24:00'; use '00:00'")
    return text


def _clock_from_yaml(value: object) -> object:
    # A time like 20:00 may reach us as the YAML 1.1 sexagesimal integer 1200 when the
    # mapping did not come through our loader (which turns that reading off).
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 1440:
        return f"{value // 60:02d}:{value % 60:02d}"
    return value


ClockTime = Annotated[str, BeforeValidator(_clock_from_yaml), AfterValidator(_check_clock)]
"""A local wall-clock time ``HH:MM``; ``24:00`` means the end of the day."""

StartClock = Annotated[str, BeforeValidator(_clock_from_yaml), AfterValidator(_check_start_clock)]
"""A local wall-clock time ``HH:MM`` from ``00:00`` to ``23:59``."""


class Weekday(StrEnum):
    """Day of the week, as written in restrictions."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def number(self) -> int:
        """Return 0 for Monday .. 6 for Sunday, as ``date.weekday()`` does."""
        return _WEEKDAY_INDEX[self]


_WEEKDAY_INDEX = {day: number for number, day in enumerate(Weekday)}
_WEEKDAY_ALIASES = {
    "monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu",
    "friday": "fri", "saturday": "sat", "sunday": "sun", "tues": "tue", "thur": "thu",
    "thurs": "thu",
}  # fmt: skip


def _weekday_alias(value: object) -> object:
    if isinstance(value, str):
        text = value.strip().lower()
        return _WEEKDAY_ALIASES.get(text, text)
    return value


Day = Annotated[Weekday, BeforeValidator(_weekday_alias)]
"""A weekday; ``mon``, ``Monday`` and ``monday`` all work."""


def _split_calendar(code: str) -> tuple[str, str | None]:
    country, _, subdivision = code.partition("-")
    return country, subdivision or None


@lru_cache(maxsize=512)
def holiday_dates(code: str, year: int) -> frozenset[date]:
    """Return the public holidays of calendar ``code`` (``IE``, ``US-CA``) in ``year``."""
    country, subdivision = _split_calendar(code)
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))


@cache
def _supported() -> dict[str, list[str]]:
    supported: dict[str, list[str]] = holidays.list_supported_countries()
    return supported


def _check_calendar(code: str) -> str:
    country, subdivision = _split_calendar(code)
    try:
        holidays.country_holidays(country, subdiv=subdivision)
    except NotImplementedError:
        supported = _supported()  # slow (imports every country), so only on a mistake
        if country not in supported:
            hint = suggest(country, sorted(supported)) or " (use an ISO 3166 code like 'IE')"
            raise ValueError(f"unknown holiday country '{country}'{hint}") from None
        listed = ", ".join(supported[country][:12]) or "none"
        raise ValueError(
            f"'{country}' has no subdivision '{subdivision}' (known: {listed})"
        ) from None
    return code


HolidayCalendar = Annotated[
    str,
    Field(pattern=r"^[A-Z]{2,3}(-[A-Z0-9]{1,4})?$"),
    AfterValidator(_check_calendar),
]
"""A public-holiday calendar: a country code, optionally with a subdivision (``US-CA``)."""


TEAM_CALENDAR = "team"
"""``holidays: team`` on a layer means the team's own ``holidays`` calendar."""


def _check_layer_calendar(code: str) -> str:
    if code == TEAM_CALENDAR:
        return code
    if not re.match(r"^[A-Z]{2,3}(-[A-Z0-9]{1,4})?$", code):
        raise ValueError(
            f"'{code}' is not a holiday calendar; write a country code like 'IE' or "
            "'US-CA', or 'team' for the team's calendar"
        )
    return _check_calendar(code)


LayerCalendar = Annotated[str, AfterValidator(_check_layer_calendar)]
"""A layer's holiday calendar: a country code (``IE``, ``US-CA``) or ``team``."""

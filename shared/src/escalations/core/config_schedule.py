"""Schedule configuration: layers, rotations, restrictions, overrides and time off.

The rules that relate several fields (overlapping restrictions, ``on_duty`` larger than the
member list, unknown members) live in ``config_checks`` so each problem gets its own path.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from escalations.core.config_types import (
    FROZEN,
    ClockTime,
    Day,
    Identifier,
    LayerCalendar,
    StartClock,
    ZoneName,
    clock_minutes,
    zone,
)

MINUTES_PER_DAY = 1440
OVERRIDE_LAYER = "override"
"""The layer name on duties that come from an override; no configured layer may use it."""


class Rotation(BaseModel):
    """How often the layer hands over: ``daily``, ``weekly`` or ``{hours: N}``.

    Daily and weekly rotations count local calendar days in the layer's zone, so a 09:00
    handoff stays 09:00 across DST. ``hours: N`` counts elapsed real hours from the anchor
    (start date at the handoff time), so its handoffs move by an hour of wall-clock time
    when the clocks change and every shift stays exactly N hours long.
    """

    model_config = FROZEN

    kind: Literal["daily", "weekly", "hours"]
    hours: Annotated[int, Field(ge=1, le=24 * 28)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_yaml(cls, value: object) -> object:
        if isinstance(value, str):
            if value.strip().lower() not in ("daily", "weekly"):
                raise ValueError(f"unknown rotation '{value}'; use daily, weekly or {{hours: N}}")
            return {"kind": value.strip().lower()}
        if isinstance(value, dict) and "kind" not in value and "hours" in value:
            return {"kind": "hours", **value}
        if not isinstance(value, dict):
            raise ValueError("rotation must be daily, weekly or {hours: N}")
        return value

    @model_validator(mode="after")
    def _hours_only_for_hours(self) -> Rotation:
        if (self.kind == "hours") != (self.hours is not None):
            raise ValueError("write {hours: N} for an N-hour rotation, else daily or weekly")
        return self

    @property
    def period_days(self) -> int:
        """Return the calendar length of a daily (1) or weekly (7) rotation."""
        return 7 if self.kind == "weekly" else 1


class Restriction(BaseModel):
    """A window on some weekdays when the layer is active, in the layer's zone.

    A window whose end is earlier than its start crosses midnight and belongs to the day it
    starts on: ``days: [fri], start: '20:00', end: '08:00'`` is Friday night into Saturday.
    """

    model_config = FROZEN

    days: tuple[Day, ...]
    start: StartClock
    end: ClockTime

    @cached_property
    def start_minute(self) -> int:
        """Return the window start in minutes after local midnight."""
        return clock_minutes(self.start)

    @cached_property
    def length(self) -> int:
        """Return the window length in minutes (0 when start equals end)."""
        return (clock_minutes(self.end) - self.start_minute) % MINUTES_PER_DAY or (
            MINUTES_PER_DAY if clock_minutes(self.end) == MINUTES_PER_DAY else 0
        )

    def week_spans(self) -> list[tuple[int, int]]:
        """Return the window as [start, end) minute-of-week spans, Monday 00:00 = 0."""
        week = 7 * MINUTES_PER_DAY
        spans: list[tuple[int, int]] = []
        for day in sorted({day.number for day in self.days}):
            begin = day * MINUTES_PER_DAY + self.start_minute
            end = begin + self.length
            if end <= week:
                spans.append((begin, end))
            else:  # Sunday night runs into Monday morning
                spans += [(begin, week), (0, end - week)]
        return spans


class Layer(BaseModel):
    """One rotation of people, optionally limited to windows or to public holidays."""

    model_config = FROZEN

    name: Annotated[str, Field(min_length=1, max_length=64)]
    rotation: Rotation
    handoff: StartClock = "09:00"
    handoff_weekday: Day | None = None
    timezone: ZoneName
    start: date
    members: Annotated[tuple[Identifier, ...], Field(min_length=1)]
    on_duty: Annotated[int, Field(ge=1, le=50)] = 1
    restrictions: tuple[Restriction, ...] = ()
    holidays: LayerCalendar | None = None

    @cached_property
    def handoff_minute(self) -> int:
        """Return the handoff time in minutes after local midnight."""
        return clock_minutes(self.handoff)

    @cached_property
    def begin(self) -> datetime:
        """Return the UTC instant the layer comes into force: its start date at the handoff."""
        minute = self.handoff_minute
        local = datetime(
            self.start.year, self.start.month, self.start.day, minute // 60, minute % 60,
            tzinfo=zone(self.timezone),
        )  # fmt: skip
        return local.astimezone(UTC)

    @cached_property
    def epoch(self) -> date:
        """Return the local date whose handoff starts rotation slot 0."""
        if self.rotation.kind != "weekly" or self.handoff_weekday is None:
            return self.start
        back = (self.start.weekday() - self.handoff_weekday.number) % 7
        return self.start - timedelta(days=back)

    @cached_property
    def day_pieces(self) -> tuple[tuple[tuple[int, int, int, int], ...], ...]:
        """Return, per weekday, the restriction pieces ``(from, to, days_back, index)``.

        ``from``/``to`` are local minutes of that day; ``days_back`` is 1 for the tail of a
        window that started the day before; ``index`` points into ``restrictions``.
        """
        pieces: list[list[tuple[int, int, int, int]]] = [[] for _ in range(7)]
        for index, restriction in enumerate(self.restrictions):
            begin, length = restriction.start_minute, restriction.length
            for day in {day.number for day in restriction.days}:
                pieces[day].append((begin, min(begin + length, MINUTES_PER_DAY), 0, index))
                if begin + length > MINUTES_PER_DAY:
                    tail = begin + length - MINUTES_PER_DAY
                    pieces[(day + 1) % 7].append((0, tail, 1, index))
        return tuple(tuple(sorted(day)) for day in pieces)


class Schedule(BaseModel):
    """Ordered layers; later layers are higher and win where they have coverage."""

    model_config = FROZEN

    layers: Annotated[tuple[Layer, ...], Field(min_length=1)]


class _Window(BaseModel):
    model_config = FROZEN

    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _ends_after_start(self) -> _Window:
        if self.end <= self.start:
            raise ValueError(f"end {self.end.isoformat()} must be after start")
        return self

    def covers(self, at: datetime) -> bool:
        """Return whether ``at`` falls in [start, end)."""
        return self.start <= at < self.end


class Override(_Window):
    """``person`` covers ``team``'s rotation from ``start`` until ``end``."""

    team: Identifier
    person: Identifier


class TimeOff(_Window):
    """``person`` is away from ``start`` until ``end``; every rotation skips them."""

    person: Identifier
    reason: Annotated[str, Field(max_length=500)] = ""

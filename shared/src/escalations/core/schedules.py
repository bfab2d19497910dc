"""Who is on duty: per instant, per window (shifts) and per escalation level.

Pure functions of the configuration, the runtime overrides and time off, and an instant.
Rules, from the top: an override in force wins over every layer; otherwise the highest
layer (last in the list) that is in force and has someone available decides; within a
layer a person on time off is replaced by the next member (see ``rotation.pick``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from escalations.core.config import Config
from escalations.core.config_schedule import OVERRIDE_LAYER, Layer, Override, TimeOff
from escalations.core.config_team import Team
from escalations.core.config_types import zone
from escalations.core.coverage import layer_intervals
from escalations.core.policy import EscalationPolicy
from escalations.core.rotation import (
    ALWAYS,
    Interval,
    as_utc,
    calendar_of,
    is_holiday,
    local_day,
    pick,
    slot_at,
    slot_start,
    wall,
    window_at,
)

OVERRIDE = OVERRIDE_LAYER


@dataclass(frozen=True, slots=True)
class Duty:
    """One person on duty at an instant, the layer that put them there, and its bounds.

    ``start``/``end`` bound the rotation shift around the instant (slot, restriction window,
    holiday, override, or the leave of the person covered); use :func:`shifts` for the
    merged picture over a window.
    """

    person: str
    team: str
    layer: str
    start: datetime
    end: datetime
    covering: str | None = None


@dataclass(frozen=True, slots=True)
class Shift:
    """A continuous stretch of duty by one person in one layer (clipped to the window)."""

    team: str
    person: str
    layer: str
    start: datetime
    end: datetime
    covering: str | None = None


def _team_overrides(
    config: Config, team_id: str, overrides: Iterable[Override]
) -> tuple[Override, ...]:
    extra = tuple(override for override in overrides if override.team == team_id)
    return config.overrides_by_team.get(team_id, ()) + extra


def _leave_at(config: Config, time_off: Sequence[TimeOff], at: datetime) -> dict[str, Interval]:
    leave: dict[str, Interval] = {}
    for entry in (*config.time_off, *time_off):
        if entry.start <= at < entry.end:
            leave[entry.person] = (entry.start, entry.end)
    return leave


def _layer_duties(team: Team, layer: Layer, at: datetime, leave: dict[str, Interval]) -> list[Duty]:
    if at < layer.begin:
        return []
    start, end = layer.begin, ALWAYS[1]
    calendar = calendar_of(layer, team.holidays)
    if calendar is not None:
        tz = zone(layer.timezone)
        day = local_day(tz, at)
        if not is_holiday(calendar, day):
            return []
        start, end = max(start, wall(day, 0, tz)), wall(day, 1440, tz)
    window = window_at(layer, at)
    if window is None:
        return []
    slot = slot_at(layer, at)
    people = pick(layer, slot, leave)
    start = max(start, window[0], slot_start(layer, slot))
    end = min(end, window[1], slot_start(layer, slot + 1))
    return [
        Duty(person, team.id, layer.name, *_clip(start, end, leave, covering), covering)
        for person, covering in people
    ]


def _clip(
    start: datetime, end: datetime, leave: dict[str, Interval], covering: str | None
) -> Interval:
    # Someone covering for a colleague on leave holds the shift only while the leave lasts.
    if covering is None:
        return start, end
    away_from, away_until = leave[covering]
    return max(start, away_from), min(end, away_until)


def _resolve(
    team: Team, at: datetime, overrides: Sequence[Override], leave: dict[str, Interval]
) -> list[Duty]:
    active = sorted(
        (o for o in overrides if o.start <= at < o.end), key=lambda o: (o.start, o.person)
    )
    if active:
        seen: dict[str, Duty] = {}
        for o in active:
            seen.setdefault(o.person, Duty(o.person, team.id, OVERRIDE, o.start, o.end))
        return list(seen.values())
    for layer in reversed(team.schedule.layers):
        duties = _layer_duties(team, layer, at, leave)
        if duties:
            return duties
    return []


def on_duty(
    config: Config,
    team_id: str,
    at: datetime,
    *,
    overrides: Sequence[Override] = (),
    time_off: Sequence[TimeOff] = (),
) -> list[Duty]:
    """Return who is on duty for ``team_id`` at instant ``at`` (tz-aware)."""
    at = as_utc(at, "at")
    team = config.team(team_id)
    return _resolve(
        team, at, _team_overrides(config, team.id, overrides), _leave_at(config, time_off, at)
    )


def _breakpoints(
    team: Team,
    start: datetime,
    end: datetime,
    overrides: Sequence[Override],
    time_off: Sequence[TimeOff],
) -> list[datetime]:
    points = {start}
    for layer in team.schedule.layers:
        points.add(layer.begin)
        for interval in layer_intervals(layer, team.holidays, start, end):
            points.update(interval)
        if layer.begin < end:
            first = slot_at(layer, max(start, layer.begin))
            points.update(slot_start(layer, n) for n in range(first, slot_at(layer, end) + 2))
    for window in (*overrides, *time_off):
        points.update((window.start, window.end))
    return sorted(point for point in points if start <= point < end)


def next_change(
    config: Config,
    team_id: str,
    at: datetime,
    until: datetime,
    *,
    overrides: Sequence[Override] = (),
    time_off: Sequence[TimeOff] = (),
) -> datetime:
    """Return the first instant after ``at`` where who is on duty for ``team_id`` may change.

    ``on_duty`` gives the same answer at every instant from ``at`` up to (not including) the
    returned one: a handoff, a restriction window or holiday edge, a layer start, or an
    override or leave starting or ending. Looks no further than ``until`` (returned when
    nothing changes before it). The same change points ``shifts`` relies on.
    """
    at, until = as_utc(at, "at"), as_utc(until, "until")
    if until <= at:
        raise ValueError(f"until {until.isoformat()} must be after at {at.isoformat()}")
    team = config.team(team_id)
    team_overrides = _team_overrides(config, team.id, overrides)
    points = _breakpoints(team, at, until, team_overrides, (*config.time_off, *time_off))
    return next((point for point in points if point > at), until)


def shifts(
    config: Config,
    team_id: str,
    start: datetime,
    end: datetime,
    *,
    overrides: Sequence[Override] = (),
    time_off: Sequence[TimeOff] = (),
) -> list[Shift]:
    """Return the shifts of ``team_id`` in [start, end), merged per person and layer."""
    start, end = as_utc(start, "start"), as_utc(end, "end")
    if end <= start:
        raise ValueError(f"end {end.isoformat()} must be after start {start.isoformat()}")
    team = config.team(team_id)
    team_overrides = _team_overrides(config, team.id, overrides)
    leaves = (*config.time_off, *time_off)
    opened: dict[tuple[str, str, str | None], datetime] = {}
    found: list[Shift] = []
    for point in [*_breakpoints(team, start, end, team_overrides, leaves), end]:
        duties = (
            []
            if point == end
            else _resolve(team, point, team_overrides, _leave_at(config, time_off, point))
        )
        now = {(d.person, d.layer, d.covering) for d in duties}
        for key in [key for key in opened if key not in now]:
            found.append(Shift(team.id, key[0], key[1], opened.pop(key), point, key[2]))
        for key in now:
            opened.setdefault(key, point)
    return sorted(found, key=lambda s: (s.start, s.layer, s.person))


def person_shifts(
    config: Config,
    person_id: str,
    start: datetime,
    end: datetime,
    *,
    overrides: Sequence[Override] = (),
    time_off: Sequence[TimeOff] = (),
) -> list[Shift]:
    """Return every shift ``person_id`` works in [start, end), across all teams."""
    person = config.person(person_id)
    teams = [
        team.id
        for team in config.teams
        if person.id in team.members()
        or any(o.person == person.id for o in _team_overrides(config, team.id, overrides))
    ]
    found = [
        found_shift
        for team_id in teams
        for found_shift in shifts(
            config, team_id, start, end, overrides=overrides, time_off=time_off
        )
        if found_shift.person == person.id
    ]
    return sorted(found, key=lambda s: (s.start, s.team, s.layer))


@dataclass(frozen=True, slots=True)
class OncallEntry:
    """One person paged at a level, with the target and layer that put them there."""

    person: str
    target: str
    team: str | None
    layer: str | None
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True, slots=True)
class LevelOncall:
    """Everyone an escalation policy level pages at an instant (level counts from 1)."""

    level: int
    people: tuple[OncallEntry, ...]


def oncall(
    config: Config,
    team_id: str,
    at: datetime,
    *,
    overrides: Sequence[Override] = (),
    time_off: Sequence[TimeOff] = (),
    policy: EscalationPolicy | None = None,
) -> list[LevelOncall]:
    """Return who each level of the team's escalation policy pages at ``at``.

    ``policy`` replaces the team's current policy, for escalations that run on a snapshot.
    """
    at = as_utc(at, "at")
    team = config.team(team_id)
    cache: dict[str, list[Duty]] = {}

    def duties_of(schedule_team: str) -> list[Duty]:
        if schedule_team not in cache:
            cache[schedule_team] = on_duty(
                config, schedule_team, at, overrides=overrides, time_off=time_off
            )
        return cache[schedule_team]

    levels: list[LevelOncall] = []
    for number, level in enumerate((policy or team.escalation_policy).levels, start=1):
        entries: dict[str, OncallEntry] = {}
        for target in level.targets:
            if target.kind == "person" and target.id is not None:
                entries.setdefault(target.id, OncallEntry(target.id, "person", None, None))
                continue
            owner = team.id if target.kind == "schedule" else str(target.id)
            for duty in duties_of(owner):
                entries.setdefault(
                    duty.person,
                    OncallEntry(duty.person, target.kind, owner, duty.layer, duty.start, duty.end),
                )
        levels.append(LevelOncall(number, tuple(entries.values())))
    return levels

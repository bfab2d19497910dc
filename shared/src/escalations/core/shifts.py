"""Shifts: who is on duty over a window, merged per person and layer, and when it changes.

Built on ``schedules.on_duty``'s rules: who is on duty can only change at a breakpoint (a
handoff, a restriction window or holiday edge, a layer start, an override or leave starting
or ending), so a window is resolved at its breakpoints alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from escalations.core.config import Config
from escalations.core.config_schedule import Override, TimeOff
from escalations.core.config_team import Team
from escalations.core.coverage import layer_intervals
from escalations.core.rotation import as_utc, slot_at, slot_start
from escalations.core.schedules import duties_at, leave_at, team_overrides


@dataclass(frozen=True, slots=True)
class Shift:
    """A continuous stretch of duty by one person in one layer (clipped to the window)."""

    team: str
    person: str
    layer: str
    start: datetime
    end: datetime
    covering: str | None = None


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
    overriding = team_overrides(config, team.id, overrides)
    points = _breakpoints(team, at, until, overriding, (*config.time_off, *time_off))
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
    overriding = team_overrides(config, team.id, overrides)
    leaves = (*config.time_off, *time_off)
    opened: dict[tuple[str, str, str | None], datetime] = {}
    found: list[Shift] = []
    for point in [*_breakpoints(team, start, end, overriding, leaves), end]:
        duties = (
            []
            if point == end
            else duties_at(team, point, overriding, leave_at(config, time_off, point))
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
        or any(o.person == person.id for o in team_overrides(config, team.id, overrides))
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

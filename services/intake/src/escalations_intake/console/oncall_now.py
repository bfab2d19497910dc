"""Who is on duty now per team and level, and who is next (pure; docs/console.md, "On call").

"Now" is ``escalations.core.schedules.oncall`` at the instant, exactly what ``GET /v1/oncall``
answers. "Next" walks the change points of every schedule the team's policy pages (its own
and the teams its levels name, ``escalations.core.shifts.next_change``) and stops, per
level, at the first instant its people differ: that instant is the hand-over.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from escalations.core.config import Config
from escalations.core.config_schedule import Override, TimeOff
from escalations.core.schedules import LevelOncall, oncall
from escalations.core.shifts import Shift, next_change

HORIZON = timedelta(days=7)
MAX_STEPS = 400


@dataclass(frozen=True, slots=True)
class Paged:
    """One person a level pages, as the page shows them."""

    person: str
    name: str
    target: str
    layer: str | None
    until: datetime | None


@dataclass(frozen=True, slots=True)
class LevelNow:
    """A level: who it pages now, who next and from when (None: no change in the horizon)."""

    level: int
    now: tuple[Paged, ...]
    next: tuple[Paged, ...]
    handover: datetime | None


@dataclass(frozen=True, slots=True)
class ShiftView:
    """One of a person's shifts, in their own time zone."""

    team: str
    layer: str
    start: datetime
    end: datetime
    covering: str | None
    current: bool


def paged_of(config: Config, level: LevelOncall) -> tuple[Paged, ...]:
    """Return the people of a level with their names."""
    names = config.people_by_id
    return tuple(
        Paged(e.person, names[e.person].name if e.person in names else e.person, e.target,
              e.layer, e.end)
        for e in level.people
    )  # fmt: skip


def schedule_teams(config: Config, team_id: str) -> list[str]:
    """Return the teams whose schedules the team's policy pages (its own first)."""
    found = [team_id]
    for level in config.team(team_id).escalation_policy.levels:
        for target in level.targets:
            if target.kind == "team" and target.id is not None and target.id not in found:
                found.append(str(target.id))
    return found


def now_and_next(
    config: Config,
    team_id: str,
    at: datetime,
    *,
    overrides: Sequence[Override] = (),
    time_off: Sequence[TimeOff] = (),
    horizon: timedelta = HORIZON,
) -> list[LevelNow]:
    """Return, per level of the team's policy, who it pages at ``at`` and who after."""
    current = oncall(config, team_id, at, overrides=overrides, time_off=time_off)
    people = {lv.level: {e.person for e in lv.people} for lv in current}
    upcoming: dict[int, tuple[datetime, LevelOncall]] = {}
    until = at + horizon
    teams = schedule_teams(config, team_id)
    point = at
    for _ in range(MAX_STEPS):
        if len(upcoming) == len(current) or point >= until:
            break
        point = min(
            next_change(config, team, point, until, overrides=overrides, time_off=time_off)
            for team in teams
        )
        if point >= until:
            break
        for level in oncall(config, team_id, point, overrides=overrides, time_off=time_off):
            if level.level not in upcoming and {e.person for e in level.people} != people.get(
                level.level
            ):
                upcoming[level.level] = (point, level)
    return [
        LevelNow(
            level=lv.level,
            now=paged_of(config, lv),
            next=paged_of(config, upcoming[lv.level][1]) if lv.level in upcoming else (),
            handover=upcoming[lv.level][0] if lv.level in upcoming else None,
        )
        for lv in current
    ]


def shift_views(found: Sequence[Shift], at: datetime) -> list[ShiftView]:
    """Return a person's shifts for the page, marking the one in progress at ``at``."""
    return [
        ShiftView(s.team, s.layer, s.start, s.end, s.covering, s.start <= at < s.end) for s in found
    ]

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
    merged picture over a window (``escalations.core.shifts``).
    """

    person: str
    team: str
    layer: str
    start: datetime
    end: datetime
    covering: str | None = None


def team_overrides(
    config: Config, team_id: str, overrides: Iterable[Override]
) -> tuple[Override, ...]:
    """Return the configured and runtime overrides of one team."""
    extra = tuple(override for override in overrides if override.team == team_id)
    return config.overrides_by_team.get(team_id, ()) + extra


def leave_at(config: Config, time_off: Sequence[TimeOff], at: datetime) -> dict[str, Interval]:
    """Return who is on leave at ``at`` (configured or runtime time off), and its bounds."""
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


def duties_at(
    team: Team, at: datetime, overrides: Sequence[Override], leave: dict[str, Interval]
) -> list[Duty]:
    """Return who is on duty for a team at ``at``, given its overrides and who is away."""
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
    return duties_at(
        team, at, team_overrides(config, team.id, overrides), leave_at(config, time_off, at)
    )


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

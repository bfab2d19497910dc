"""Checks that span fields or objects: references, duplicates, restrictions, coverage.

Each problem carries the YAML path it belongs to, so one pass reports every mistake.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import combinations
from typing import Any, Literal

from pydantic import ValidationError

from escalations.core.config_access import AccessConfig
from escalations.core.config_people import Person
from escalations.core.config_schedule import (
    OVERRIDE_LAYER,
    Layer,
    Override,
    Restriction,
    TimeOff,
)
from escalations.core.config_team import Team
from escalations.core.config_types import TEAM_CALENDAR, suggest
from escalations.core.coverage import describe_gaps, gaps
from escalations.core.policy import EscalationPolicy
from escalations.core.routing import RoutingConfig

Loc = tuple[str | int, ...]
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def format_loc(loc: Loc) -> str:
    """Render ``('teams', 2, 'lead')`` as ``teams[2].lead``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(top level)"


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    """One problem in the configuration, with where it is and how to fix it."""

    loc: Loc
    message: str
    severity: Literal["error", "warning"] = "error"
    line: int | None = None

    @property
    def path(self) -> str:
        """Return the dotted path of the offending value, e.g. ``teams[0].lead``."""
        return format_loc(self.loc)

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}{self.path}: {self.message}"


@dataclass
class Parts:
    """The pieces of a configuration that parsed, with the ids of those that did not."""

    people: list[tuple[int, Person]] = field(default_factory=list)
    teams: list[tuple[int, Team]] = field(default_factory=list)
    routing: RoutingConfig | None = None
    overrides: list[tuple[int, Override]] = field(default_factory=list)
    time_off: list[tuple[int, TimeOff]] = field(default_factory=list)
    access: AccessConfig | None = None
    ids: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    """Ids as written, per section (``people``, ``teams``), parsed or not."""
    broken_teams: list[tuple[int, Mapping[str, Any]]] = field(default_factory=list)
    """Teams that failed to parse as a whole; their layers and policy are checked alone."""

    @property
    def person_ids(self) -> set[str]:
        """Return every person id written in the configuration."""
        return {item_id for _, item_id in self.ids.get("people", [])}

    @property
    def team_ids(self) -> set[str]:
        """Return every team id written in the configuration."""
        return {item_id for _, item_id in self.ids.get("teams", [])}


def check(parts: Parts) -> list[ConfigIssue]:
    """Return every cross-reference and consistency error in the parsed parts."""
    people, teams = parts.person_ids, parts.team_ids
    issues = [issue for section in parts.ids for issue in _duplicates(section, parts.ids[section])]
    for index, team in parts.teams:
        issues += _team(parts, ("teams", index), team)
    for index, raw in parts.broken_teams:
        issues += _broken_team(parts, ("teams", index), raw)
    if parts.routing is not None:
        for r, rule in enumerate(parts.routing.rules):
            issues += check_ref(teams, "team", rule.team, ("routing", "rules", r, "team"))
        issues += check_ref(teams, "team", parts.routing.default_team, ("routing", "default_team"))
    for index, override in parts.overrides:
        issues += check_ref(teams, "team", override.team, ("overrides", index, "team"))
        issues += check_ref(people, "person", override.person, ("overrides", index, "person"))
    for index, leave in parts.time_off:
        issues += check_ref(people, "person", leave.person, ("time_off", index, "person"))
    return issues


def _duplicates(section: str, ids: list[tuple[int, str]]) -> list[ConfigIssue]:
    first: dict[str, int] = {}
    issues = []
    for index, item_id in ids:
        if item_id in first:
            issues.append(
                ConfigIssue(
                    (section, index, "id"),
                    f"duplicate id '{item_id}' (also {section}[{first[item_id]}]); "
                    "ids must be unique",
                )
            )
        first.setdefault(item_id, index)
    return issues


def check_ref(known: set[str], kind: str, value: str, loc: Loc) -> list[ConfigIssue]:
    """Return an issue naming ``value`` and the closest known id unless ``value`` is known."""
    if value in known:
        return []
    return [ConfigIssue(loc, f"unknown {kind} '{value}'{suggest(value, sorted(known))}")]


def _team(parts: Parts, loc: Loc, team: Team) -> list[ConfigIssue]:
    issues = check_ref(parts.person_ids, "person", team.lead, (*loc, "lead"))
    issues += _layers(parts, loc, list(enumerate(team.schedule.layers)), team.holidays, True)
    return issues + _policy(parts, loc, team.escalation_policy)


def _broken_team(parts: Parts, loc: Loc, raw: Mapping[str, Any]) -> list[ConfigIssue]:
    issues = []
    if isinstance(raw.get("lead"), str):
        issues += check_ref(parts.person_ids, "person", raw["lead"], (*loc, "lead"))
    schedule = raw.get("schedule")
    layers = schedule.get("layers") if isinstance(schedule, Mapping) else None
    parsed: list[tuple[int, Layer]] = []
    for index, item in enumerate(layers if isinstance(layers, list) else []):
        with suppress(ValidationError):  # already reported with the team's own errors
            parsed.append((index, Layer.model_validate(item)))
    issues += _layers(parts, loc, parsed, None, False)
    with suppress(ValidationError):
        if "escalation_policy" in raw:
            issues += _policy(parts, loc, EscalationPolicy.model_validate(raw["escalation_policy"]))
    return issues


def _layers(
    parts: Parts,
    loc: Loc,
    layers: list[tuple[int, Layer]],
    calendar: str | None,
    calendar_known: bool,
) -> list[ConfigIssue]:
    issues = []
    names: dict[str, int] = {}
    for index, layer in layers:
        layer_loc = (*loc, "schedule", "layers", index)
        if layer.name in names:
            issues.append(
                ConfigIssue(
                    (*layer_loc, "name"),
                    f"duplicate layer name '{layer.name}' (also layers[{names[layer.name]}])",
                )
            )
        names.setdefault(layer.name, index)
        issues += _layer(parts, layer_loc, layer)
        if calendar_known and layer.holidays == TEAM_CALENDAR and calendar is None:
            issues.append(
                ConfigIssue(
                    (*layer_loc, "holidays"),
                    "'team' needs the team's holidays calendar; set holidays: IE (or other) "
                    "on the team",
                )
            )
    return issues


def _policy(parts: Parts, loc: Loc, policy: EscalationPolicy) -> list[ConfigIssue]:
    issues = []
    for level_index, level in enumerate(policy.levels):
        for target_index, target in enumerate(level.targets):
            target_loc = (*loc, "escalation_policy", "levels", level_index)
            target_loc += ("targets", target_index, "id")
            if target.kind == "team" and target.id is not None:
                issues += check_ref(parts.team_ids, "team", target.id, target_loc)
            elif target.kind == "person" and target.id is not None:
                issues += check_ref(parts.person_ids, "person", target.id, target_loc)
    return issues


def _layer(parts: Parts, loc: Loc, layer: Layer) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    if layer.name == OVERRIDE_LAYER:
        issues.append(ConfigIssue((*loc, "name"), "'override' is reserved; pick another name"))
    seen: set[str] = set()
    for index, member in enumerate(layer.members):
        issues += check_ref(parts.person_ids, "person", member, (*loc, "members", index))
        if member in seen:
            issues.append(
                ConfigIssue((*loc, "members", index), f"'{member}' is listed twice; list once")
            )
        seen.add(member)
    if layer.on_duty > len(seen):
        issues.append(
            ConfigIssue(
                (*loc, "on_duty"),
                f"{layer.on_duty} people on duty at once but only {len(seen)} member(s); "
                "add members or lower on_duty",
            )
        )
    if layer.handoff_weekday is not None and layer.rotation.kind != "weekly":
        issues.append(
            ConfigIssue(
                (*loc, "handoff_weekday"),
                f"only weekly rotations have a handoff weekday; this one is {layer.rotation.kind}",
            )
        )
    return issues + _restrictions(loc, layer.restrictions)


def _restrictions(loc: Loc, restrictions: tuple[Restriction, ...]) -> list[ConfigIssue]:
    issues = []
    for index, restriction in enumerate(restrictions):
        here = (*loc, "restrictions", index)
        if not restriction.days:
            issues.append(
                ConfigIssue(
                    (*here, "days"), "no days given; list days such as [mon, tue, wed, thu, fri]"
                )
            )
        if restriction.length == 0:
            issues.append(
                ConfigIssue(
                    here,
                    f"empty window {restriction.start}-{restriction.end}; "
                    "for a whole day write start: '00:00', end: '24:00'",
                )
            )
    for (i, first), (j, second) in combinations(enumerate(restrictions), 2):
        overlap = _overlap(first.week_spans(), second.week_spans())
        if overlap is not None:
            issues.append(
                ConfigIssue(
                    (*loc, "restrictions", j),
                    f"overlaps restrictions[{i}] on {overlap}; make one window end where "
                    "the other starts",
                )
            )
    return issues


def _overlap(left: list[tuple[int, int]], right: list[tuple[int, int]]) -> str | None:
    for a_start, a_end in left:
        for b_start, b_end in right:
            start, end = max(a_start, b_start), min(a_end, b_end)
            if start < end:
                # An end on a day boundary reads better as 24:00 than as 00:00.
                return (
                    f"{_DAYS[start // 1440]} {_clock(start % 1440)}-{_clock((end - 1) % 1440 + 1)}"
                )
    return None


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def coverage_warnings(teams: list[tuple[int, Team]], start: datetime) -> list[ConfigIssue]:
    """Warn about every team that has nobody on duty at times in the year from ``start``."""
    issues = []
    for index, team in teams:
        found = gaps(team, start, start + timedelta(days=366))
        if found:
            lines = "\n    ".join(describe_gaps(found))
            issues.append(
                ConfigIssue(
                    ("teams", index, "schedule"),
                    f"team '{team.id}' has nobody on duty at these times "
                    f"(year from {start:%Y-%m-%d}):\n    {lines}",
                    severity="warning",
                )
            )
    return issues

"""The configuration loader, and the one import for the configuration's types.

The root model ``Config`` lives in ``config_model``; it is re-exported here with the
section types so callers import the configuration from one place.

``load_config`` and ``parse_config`` report every mistake at once, each with its path (and
line, from YAML) and a fix hint, and return coverage warnings beside the configuration.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from escalations.core.assignment import WellbeingConfig
from escalations.core.config_access import AccessConfig
from escalations.core.config_access_checks import check_access
from escalations.core.config_checks import ConfigIssue, Loc, Parts, check, coverage_warnings
from escalations.core.config_model import Config, UnknownIdError
from escalations.core.config_people import Channel, Contacts, Person, QuietHours
from escalations.core.config_schedule import (
    Layer,
    Override,
    Restriction,
    Rotation,
    Schedule,
    TimeOff,
)
from escalations.core.config_stakeholders import StakeholdersConfig, check_stakeholders
from escalations.core.config_team import Team, TeamChat
from escalations.core.config_types import suggest
from escalations.core.config_yaml import YamlSyntaxError, line_of, read_yaml, translate
from escalations.core.priority_config import PriorityConfig
from escalations.core.routing import RoutingConfig

__all__ = [
    "AccessConfig", "Channel", "Config", "ConfigError", "ConfigIssue", "Contacts", "Layer",
    "LoadedConfig", "Override", "Person", "QuietHours", "Restriction", "Rotation", "Schedule",
    "Team", "TeamChat", "TimeOff", "UnknownIdError", "demo_config_path", "load_config",
    "loads_config", "parse_config",
]  # fmt: skip

_REQUIRED = ("people", "teams", "routing")
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class LoadedConfig:
    """A valid configuration and the warnings found while loading it."""

    config: Config
    warnings: tuple[ConfigIssue, ...] = ()


class ConfigError(ValueError):
    """The configuration has mistakes; ``issues`` lists every one of them."""

    def __init__(self, issues: Iterable[ConfigIssue], source: str = "configuration") -> None:
        self.issues = tuple(issues)
        self.source = source
        listed = "\n".join(f"  - {issue}" for issue in self.issues)
        super().__init__(f"{len(self.issues)} problem(s) in {source}:\n{listed}")


def demo_config_path() -> Path:
    """Return the path of the shipped demo configuration."""
    return Path(__file__).resolve().parent.parent / "data" / "demo.yaml"


def load_config(path: str | Path, *, coverage_from: datetime | None = None) -> LoadedConfig:
    """Read and validate a YAML configuration file; raise ``ConfigError`` listing all issues."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        problem = ConfigIssue((), f"cannot read the file: {error.strerror}")
        raise ConfigError([problem], source) from None
    return loads_config(text, source=source, coverage_from=coverage_from)


def loads_config(
    text: str, *, source: str = "configuration", coverage_from: datetime | None = None
) -> LoadedConfig:
    """Validate configuration YAML given as text (issues carry line numbers)."""
    try:
        data, lines, duplicates = read_yaml(text, source)
    except YamlSyntaxError as error:
        raise ConfigError([ConfigIssue((), str(error), line=error.line)], source) from None
    return _parse(data, coverage_from, source, lines, duplicates)


def parse_config(data: Mapping[str, Any], *, coverage_from: datetime | None = None) -> LoadedConfig:
    """Validate an already parsed mapping; raise ``ConfigError`` listing all issues.

    Coverage is checked for the year from ``coverage_from`` (default: the moment the last
    layer of the configuration comes into force).
    """
    return _parse(data, coverage_from, "configuration", {}, [])


def _parse(
    data: object,
    coverage_from: datetime | None,
    source: str,
    lines: dict[Loc, int],
    issues: list[ConfigIssue],
) -> LoadedConfig:
    if not isinstance(data, Mapping):
        problem = "the file must be a mapping with people, teams and routing"
        raise ConfigError([*issues, ConfigIssue((), problem)], source)
    issues = issues + _top_level(data)
    parts, priority, wellbeing = _sections(data, issues)
    stakeholders = _one(data, "stakeholders", StakeholdersConfig, issues)
    issues += check(parts) + check_access(parts) + check_stakeholders(parts, stakeholders)
    issues = sorted((_with_line(issue, lines) for issue in issues), key=lambda i: i.line or 0)
    if issues or parts.routing is None:
        raise ConfigError(issues, source)
    config = Config.model_construct(
        people=tuple(person for _, person in parts.people),
        teams=tuple(team for _, team in parts.teams),
        routing=parts.routing,
        priority=priority or PriorityConfig(),
        wellbeing=wellbeing or WellbeingConfig(),
        overrides=tuple(override for _, override in parts.overrides),
        time_off=tuple(leave for _, leave in parts.time_off),
        access=parts.access or AccessConfig(),
        stakeholders=stakeholders or StakeholdersConfig(),
    )
    start = coverage_from or max(
        (layer.begin for team in config.teams for layer in team.schedule.layers), default=None
    )
    warnings = coverage_warnings(parts.teams, start) if start is not None else []
    return LoadedConfig(config, tuple(_with_line(warning, lines) for warning in warnings))


def _with_line(issue: ConfigIssue, lines: dict[Loc, int]) -> ConfigIssue:
    if issue.line is not None or not lines:
        return issue
    return ConfigIssue(issue.loc, issue.message, issue.severity, line_of(issue.loc, lines))


def _top_level(data: Mapping[str, Any]) -> list[ConfigIssue]:
    known = sorted(Config.model_fields)
    issues = [
        ConfigIssue((str(key),), f"unknown section{suggest(str(key), known)}; allowed: "
                    + ", ".join(known))
        for key in data
        if key not in Config.model_fields
    ]  # fmt: skip
    return issues + [
        ConfigIssue((key,), "required section is missing") for key in _REQUIRED if key not in data
    ]


def _sections(
    data: Mapping[str, Any], issues: list[ConfigIssue]
) -> tuple[Parts, PriorityConfig | None, WellbeingConfig | None]:
    parts = Parts()
    parts.people = _items(data, "people", Person, issues, parts.ids.setdefault("people", []))
    parts.teams = _items(
        data, "teams", Team, issues, parts.ids.setdefault("teams", []), parts.broken_teams
    )
    parts.overrides = _items(data, "overrides", Override, issues)
    parts.time_off = _items(data, "time_off", TimeOff, issues)
    parts.routing = _one(data, "routing", RoutingConfig, issues)
    parts.access = _one(data, "access", AccessConfig, issues)
    priority = _one(data, "priority", PriorityConfig, issues)
    return parts, priority, _one(data, "wellbeing", WellbeingConfig, issues)


def _items(
    data: Mapping[str, Any],
    key: str,
    model: type[M],
    issues: list[ConfigIssue],
    ids: list[tuple[int, str]] | None = None,
    broken: list[tuple[int, Mapping[str, Any]]] | None = None,
) -> list[tuple[int, M]]:
    raw = data.get(key, [])
    if not isinstance(raw, list):
        issues.append(ConfigIssue((key,), f"must be a list of {key.replace('_', ' ')}"))
        return []
    parsed: list[tuple[int, M]] = []
    for index, item in enumerate(raw):
        if ids is not None and isinstance(item, Mapping) and isinstance(item.get("id"), str):
            ids.append((index, item["id"]))  # known even if broken, so nothing cascades
        try:
            parsed.append((index, model.model_validate(item)))
        except ValidationError as error:
            issues += translate(error, (key, index), model)
            if broken is not None and isinstance(item, Mapping):
                broken.append((index, item))
    return parsed


def _one(data: Mapping[str, Any], key: str, model: type[M], issues: list[ConfigIssue]) -> M | None:
    if key not in data:
        return None
    try:
        return model.model_validate(data[key])
    except ValidationError as error:
        issues += translate(error, (key,), model)
        return None

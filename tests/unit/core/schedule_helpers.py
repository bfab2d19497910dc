"""Builders for schedule tests: a config from a few lines of team YAML, and UTC instants."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime

from escalations.core.config import Config, LoadedConfig, loads_config

PEOPLE = ("ann", "bob", "cat", "dan", "eve", "fay", "gus", "hal")


def people_yaml(ids: tuple[str, ...] = PEOPLE) -> str:
    """Return a ``people:`` section with one simple person per id."""
    lines = ["people:"]
    for person in ids:
        lines.append(
            f"  - {{id: {person}, name: {person.title()}, timezone: Europe/Dublin, "
            f"contacts: {{email: {person}@example.com}}}}"
        )
    return "\n".join(lines) + "\n"


def load(teams: str, *, routing: str = "", extra: str = "") -> LoadedConfig:
    """Load a config whose teams section is ``teams`` (YAML, dedented), with test people."""
    teams_text = textwrap.dedent(teams).strip("\n")
    routing_text = textwrap.dedent(routing).strip("\n") or "routing: {default_team: t}"
    text = f"{people_yaml()}{teams_text}\n{routing_text}\n{textwrap.dedent(extra)}"
    return loads_config(text, source="test.yaml")


def config(teams: str, *, routing: str = "", extra: str = "") -> Config:
    """Return just the config of :func:`load`."""
    return load(teams, routing=routing, extra=extra).config


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Return a UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def one_layer(layer: str, *, team: str = "t", holidays: str = "") -> str:
    """Return a teams section with one team whose schedule has the given layer YAML."""
    body = textwrap.indent(textwrap.dedent(layer).strip("\n"), " " * 10)
    calendar = f"\n    holidays: {holidays}" if holidays else ""
    return (
        f"teams:\n  - id: {team}\n    name: Team {team}\n    lead: ann{calendar}\n"
        f"    schedule:\n      layers:\n        - {body.lstrip()}\n"
    )

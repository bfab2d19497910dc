"""Shared fixtures for the deploy checks: parsed files and promtool."""

import json
import shutil
from typing import Any

import pytest

from .files import DASHBOARDS, REPO, RULES, load_yaml


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    """Return docker-compose.yml as parsed YAML."""
    data = load_yaml(REPO / "docker-compose.yml")
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="session")
def dashboards() -> dict[str, dict[str, Any]]:
    """Return every Grafana dashboard JSON model by file name."""
    boards: dict[str, dict[str, Any]] = {}
    for path in sorted(DASHBOARDS.glob("*.json")):
        try:
            boards[path.name] = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise AssertionError(f"{path.name} is not valid JSON: {exc}") from exc
    return boards


@pytest.fixture(scope="session")
def rule_groups() -> list[dict[str, Any]]:
    """Return the alert rule groups of every rules file."""
    groups: list[dict[str, Any]] = []
    for path in sorted(RULES.glob("*.yml")):
        groups.extend(load_yaml(path)["groups"])
    return groups


@pytest.fixture(scope="session")
def promtool() -> str:
    """Return the promtool path, failing loudly when it is not installed."""
    path = shutil.which("promtool")
    if path is None:
        pytest.fail(
            "promtool not found: install the `prometheus` package "
            "(apt-get install -y --no-install-recommends prometheus), which ships promtool; "
            "the deploy tests check alert rules and dashboard queries with it."
        )
    return path

"""At start-up every service logs when its teams have nobody on duty (coverage warnings)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from escalations.settings import CommonSettings, load_service, log_coverage
from tests.unit.core.test_config_check_cli import ALWAYS, GOOD
from tests.unit.jsonlines import json_lines


@pytest.fixture
def root_handlers() -> Iterator[None]:
    """Put the root logger back as it was (``load_service`` sets up JSON logs)."""
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    try:
        yield
    finally:
        root.handlers[:] = saved
        root.setLevel(level)


def test_a_service_logs_each_team_with_gaps_at_start_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], root_handlers: None
) -> None:
    """``load_service`` starts JSON logs and warns about the team left uncovered."""
    path = tmp_path / "config.yaml"
    path.write_text(GOOD)
    loaded = load_service("router", lambda: CommonSettings(ESCALATIONS_CONFIG=str(path)))
    assert loaded is not None
    lines = [orjson.loads(line) for line in capsys.readouterr().err.splitlines()]
    (warning,) = lines
    assert ("warning", "router", "router") == (
        warning["level"],
        warning["service"],
        warning["logger"],
    )
    assert "team 'desk' has nobody on duty at these times" in warning["msg"]


def test_a_fully_covered_configuration_logs_nothing(tmp_path: Path) -> None:
    """No gap, no warning (the intake's start-up check)."""
    path = tmp_path / "config.yaml"
    path.write_text(ALWAYS)
    with json_lines() as lines:
        log_coverage("intake", path)
    assert [] == lines.all()


def test_the_intake_check_skips_a_broken_file(tmp_path: Path) -> None:
    """A broken file is left to the service's own start-up, which lists every mistake."""
    path = tmp_path / "config.yaml"
    path.write_text("people: [}\n")
    with json_lines() as lines:
        log_coverage("intake", path)
    assert [] == lines.all()


def test_a_bad_configuration_stops_the_service_with_every_mistake(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], root_handlers: None
) -> None:
    """``load_service`` returns None and prints the mistakes instead of logging gaps."""
    path = tmp_path / "config.yaml"
    path.write_text(GOOD.replace("name: Ann,", "nmae: Ann,"))
    assert load_service("notifier", lambda: CommonSettings(ESCALATIONS_CONFIG=str(path))) is None
    err = capsys.readouterr().err
    assert err.startswith("notifier: cannot start:\n")
    assert "unknown field 'nmae' (did you mean 'name'?)" in err

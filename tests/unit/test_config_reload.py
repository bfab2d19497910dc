"""The shared configuration reload: swap a valid file in, refuse a bad one, say what happened."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Counter, Gauge
from starlette.testclient import TestClient

from escalations.core.config import Config, load_config
from escalations.reload import STATUS_ERROR_CHARS, ConfigFile, ReloadMetrics
from escalations.runtime import health_app
from escalations.settings import DEMO_CONFIG

DEMO = DEMO_CONFIG.read_text()
NEW_MAIL = DEMO.replace("aoife@example.com", "aoife.new@example.com")


def _metrics() -> tuple[ReloadMetrics, CollectorRegistry]:
    registry = CollectorRegistry()
    reloads = Counter("t_config_reloads_total", "r", ["outcome"], registry=registry)
    successful = Gauge("t_config_last_reload_successful", "s", registry=registry)
    success_at = Gauge("t_config_last_reload_success_timestamp_seconds", "t", registry=registry)
    return ReloadMetrics(reloads, successful, success_at), registry


def _write(path: Path, text: str, mtime_s: int) -> None:
    path.write_text(text)
    os.utime(path, ns=(mtime_s * 10**9, mtime_s * 10**9))


def _holder(tmp_path: Path) -> tuple[ConfigFile, list[Config], CollectorRegistry, Path]:
    path = tmp_path / "config.yaml"
    _write(path, DEMO, 1_000)
    metrics, registry = _metrics()
    seen: list[Config] = []
    holder = ConfigFile(path, load_config(path).config, metrics=metrics, on_change=seen.append)
    return holder, seen, registry, path


def _email(config: Config) -> str | None:
    return config.people_by_id["aoife"].contacts.email


def test_a_changed_file_is_swapped_in_counted_and_handed_on(tmp_path: Path) -> None:
    """A valid edit replaces the configuration, reaches on_change and counts as applied."""
    holder, seen, registry, path = _holder(tmp_path)
    _write(path, NEW_MAIL, 2_000)
    assert holder.check() is True
    assert "aoife.new@example.com" == _email(holder.config)
    assert [holder.config] == seen
    assert 1.0 == registry.get_sample_value("t_config_reloads_total", {"outcome": "applied"})
    assert 1.0 == registry.get_sample_value("t_config_last_reload_successful")
    assert ("applied", None) == (holder.status()["last_reload"], holder.status()["error"])


def test_an_unchanged_file_is_not_reloaded_unless_asked(tmp_path: Path) -> None:
    """Without a change nothing is loaded; ask() (SIGHUP) reloads even an unchanged file."""
    holder, seen, _, _ = _holder(tmp_path)
    assert holder.check() is False
    holder.ask()
    assert holder.check() is True
    assert 1 == len(seen)
    assert holder.check() is False


def test_a_bad_file_is_refused_logged_and_the_running_one_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Every mistake is logged, the old configuration stays, status and gauge say refused."""
    holder, seen, registry, path = _holder(tmp_path)
    before = holder.config
    _write(path, DEMO.replace("member", "membre"), 2_000)
    with caplog.at_level(logging.ERROR, logger="escalations.reload"):
        assert holder.check() is False
    assert before is holder.config
    assert [] == seen
    assert "configuration reload refused" in caplog.text
    assert "membre" in caplog.text
    assert "refused" == holder.status()["last_reload"]
    assert "membre" in (holder.status()["error"] or "")
    assert 1.0 == registry.get_sample_value("t_config_reloads_total", {"outcome": "refused"})
    assert 0.0 == registry.get_sample_value("t_config_last_reload_successful")
    _write(path, NEW_MAIL, 3_000)
    assert holder.check() is True
    assert 1.0 == registry.get_sample_value("t_config_last_reload_successful")


def test_a_missing_file_is_refused_and_the_running_one_kept(tmp_path: Path) -> None:
    """A file that vanished (a half-done deploy) is refused like an invalid one."""
    holder, _, _, path = _holder(tmp_path)
    before = holder.config
    path.unlink()
    assert holder.check() is False
    assert before is holder.config
    assert "refused" == holder.status()["last_reload"]


def test_a_control_character_is_refused_not_raised(tmp_path: Path) -> None:
    """A control character in the file is a refused reload, not an error that ends the watcher."""
    holder, _, _, path = _holder(tmp_path)
    before = holder.config
    _write(path, DEMO.replace("aoife@example.com", "aoife\x1b[31m@example.com"), 2_000)
    assert holder.check() is False
    assert before is holder.config
    assert "unacceptable character #x001b" in (holder.status()["error"] or "")


def test_a_hostile_file_is_quoted_in_bounded_form(tmp_path: Path) -> None:
    """Markup and hundreds of mistakes reach /readyz bounded, as JSON text, never as markup."""
    holder, _, _, path = _holder(tmp_path)
    junk = "\n".join(f"'<script>alert({i})</script>': 1" for i in range(300))
    _write(path, DEMO + junk + "\n", 2_000)
    assert holder.check() is False
    error = holder.status()["error"] or ""
    assert STATUS_ERROR_CHARS == len(error)
    assert "<script>alert(0)</script>" in error
    answer = TestClient(health_app({}, {"config": holder.status})).get("/readyz")
    assert "application/json" == answer.headers["content-type"]
    assert error == answer.json()["config"]["error"]


def test_readiness_shows_the_reload_outcome_without_deciding_it(tmp_path: Path) -> None:
    """A refused reload is reported by /readyz, which still answers ready (the old one works)."""
    holder, _, _, path = _holder(tmp_path)
    _write(path, "people: [", 2_000)
    holder.check()
    client = TestClient(health_app({}, {"config": holder.status}))
    answer = client.get("/readyz")
    assert 200 == answer.status_code
    assert ("ready", "refused") == (answer.json()["status"], answer.json()["config"]["last_reload"])


def test_sighup_reloads_while_watching(tmp_path: Path) -> None:
    """SIGHUP makes the watcher reload at once, without waiting for the poll interval."""
    holder, seen, _, path = _holder(tmp_path)
    path.write_text(NEW_MAIL)
    os.utime(path, ns=(1_000 * 10**9, 1_000 * 10**9))

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(holder.watch(stop, interval=60))  # no poll in time
        await asyncio.sleep(0.05)
        os.kill(os.getpid(), signal.SIGHUP)
        for _ in range(100):
            if seen:
                break
            await asyncio.sleep(0.01)
        stop.set()
        holder.ask()  # wake the loop so that it sees stop
        await task

    asyncio.run(scenario())
    assert "aoife.new@example.com" == _email(seen[0])

"""Configuration reloads, and metrics summed over workers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from escalations.settings import DEMO_CONFIG
from escalations_intake import config_source
from escalations_intake.config_source import ConfigSource
from escalations_intake.http.metrics_exposition import WorkersProcessCollector, worker_pids


def _touch(path: Path, text: str, mtime_ns: int) -> None:
    path.write_text(text)
    os.utime(path, ns=(mtime_ns, mtime_ns))


def test_config_reloads_on_change_and_keeps_the_last_good_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A changed file is reloaded; a broken edit is ignored and the last good config stays."""
    monkeypatch.setattr(config_source, "CHECK_EVERY_S", 0.0)
    path = tmp_path / "config.yaml"
    demo = DEMO_CONFIG.read_text()
    _touch(path, demo, 1_000_000_000)
    source = ConfigSource(path)
    assert "ts-dublin" in source.current().teams_by_id
    renamed = demo.replace("id: ts-dublin", "id: ts-cork").replace(
        "team: ts-dublin", "team: ts-cork"
    )
    renamed = renamed.replace("default_team: ts-dublin", "default_team: ts-cork")
    _touch(path, renamed, 2_000_000_000)
    reloaded = source.current()
    _touch(path, "teams: [", 3_000_000_000)
    assert reloaded is source.current()
    assert "ts-cork" in reloaded.teams_by_id


def test_worker_pids_are_the_live_writers(tmp_path: Path) -> None:
    """Metric files name their process; only live processes count."""
    (tmp_path / f"counter_{os.getpid()}.db").write_bytes(b"")
    (tmp_path / "counter_999999999.db").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("x")
    assert [os.getpid()] == worker_pids(tmp_path)


def test_process_metrics_are_summed_over_workers(tmp_path: Path) -> None:
    """The collector reports CPU as a counter and memory as a gauge for the workers."""
    (tmp_path / f"histogram_{os.getpid()}.db").write_bytes(b"")
    families = {f.name: f for f in WorkersProcessCollector(tmp_path).collect()}
    assert "counter" == families["process_cpu_seconds"].type
    assert "gauge" == families["process_resident_memory_bytes"].type
    assert families["process_resident_memory_bytes"].samples[0].value > 0

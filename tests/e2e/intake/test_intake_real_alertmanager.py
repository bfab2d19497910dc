"""A real Alertmanager (Debian's prometheus-alertmanager) posting to the real intake.

One alert of the group carries a 12,000-character annotation; Alertmanager does not retry
a 4xx, so before each alert stood alone the whole group was lost. Now every alert of the
group arrives on the intake topic, the long one clipped.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from devstack.ports import free_ports
from escalations.core.escalation import SourceKind
from escalations_intake.auth.api_keys import Scope
from tests.e2e.intake.conftest import Intake

pytestmark = pytest.mark.e2e
BINARY = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
CONFIG = """\
route:
  receiver: escalations
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: escalations
    webhook_configs:
      - url: {url}/v1/integrations/alertmanager
        max_alerts: 200
        http_config:
          authorization:
            credentials: {key}
"""


@pytest.fixture(scope="module")
def alertmanager(intake: Intake, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A running Alertmanager whose one receiver is the intake; yields its URL."""
    if BINARY is None:
        pytest.fail("prometheus-alertmanager is missing: make system-deps installs it")
    folder: Path = tmp_path_factory.mktemp("alertmanager")
    key = intake.key("alertmanager-real", SourceKind.MONITORING, frozenset({Scope.WRITE}))
    (folder / "am.yml").write_text(CONFIG.format(url=intake.base_url, key=key))
    (port,) = free_ports(1)
    command = [
        BINARY,
        f"--config.file={folder / 'am.yml'}",
        f"--storage.path={folder / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
    ]
    with (folder / "log").open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: httpx.get(f"{url}/-/ready", timeout=1).status_code == 200, "ready")
        yield url
    finally:
        process.terminate()
        process.wait(10)


def _wait(check: Any, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"Alertmanager not {what} within {timeout} s")


def test_real_alertmanager_group_with_one_oversized_annotation_arrives_whole(
    intake: Intake, alertmanager: str
) -> None:
    """All three alerts of the group become escalations; the 12,000 characters are clipped."""
    run = uuid.uuid4().hex[:8]
    now = datetime.now(UTC).isoformat()
    alerts = [
        {
            "labels": {"alertname": f"Spike{run}", "instance": f"i{n}", "policy_area": "spam"},
            "annotations": {"summary": f"{run} spike {n}", "description": text},
            "startsAt": now,
            "generatorURL": "http://prometheus.example.org/graph",
        }
        for n, text in enumerate(["d" * 12_000, "fine", "also fine"])
    ]
    assert 200 == httpx.post(f"{alertmanager}/api/v2/alerts", json=alerts).status_code
    found: dict[str, dict[str, Any]] = {}

    def arrived() -> bool:
        for event in intake.events():
            request = event["data"].get("request") or {}
            if request.get("title", "").startswith(run):
                found[request["title"]] = request
        return len(found) == 3

    _wait(arrived, "delivering the group to the intake")
    assert {f"{run} spike {n}" for n in range(3)} == set(found)
    description = found[f"{run} spike 0"]["description"]
    assert description.startswith("d" * 9_000)
    assert "[clipped from 12,000 characters]" in description

"""`make run`'s program: brings the stack up, says where to look, and Ctrl-C leaves nothing."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson
import pytest

from devstack.ports import free_ports
from tests.e2e.conftest import wait_for

pytestmark = pytest.mark.e2e
PS = [shutil.which("ps") or "/bin/ps", "-eo"]


def _children(pid: int) -> list[tuple[int, str]]:
    """Return (pid, command name) of every process whose session is ``pid``'s."""
    out = subprocess.run(
        [*PS, "pid=,sid=,comm="], capture_output=True, text=True, check=True
    ).stdout
    found = []
    for line in out.splitlines():
        child, sid, comm = line.split(None, 2)
        if int(sid) == pid and int(child) != pid:
            found.append((int(child), comm))
    return found


def _descendants_named(root: int, names: set[str]) -> list[str]:
    out = subprocess.run(
        [*PS, "pid=,ppid=,comm="], capture_output=True, text=True, check=True
    ).stdout
    parent: dict[int, int] = {}
    comm: dict[int, str] = {}
    for line in out.splitlines():
        pid, ppid, name = line.split(None, 2)
        parent[int(pid)], comm[int(pid)] = int(ppid), name.strip()
    hits = []
    for pid, name in comm.items():
        walk = pid
        while walk in parent and walk != root and walk > 1:
            walk = parent[walk]
        if walk == root and name in names:
            hits.append(f"{pid}:{name}")
    return hits


def test_make_run_serves_the_demo_and_stops_cleanly(tmp_path: Path) -> None:
    """The banner names the docs, keys and inbox; a posted escalation lands; Ctrl-C cleans up."""
    intake, router, notifier, inbox = free_ports(4)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL", "ESCALATIONS_CONFIG"}
    }
    env |= {
        "INTAKE_PORT": str(intake),
        "ROUTER_HTTP_PORT": str(router),
        "NOTIFIER_HTTP_PORT": str(notifier),
        "INBOX_PORT": str(inbox),
        "ESCALATIONS_BOOTSTRAP_KEY": "esk_" + "k" * 40,
    }
    # No ESCALATIONS_CONFIG: the shipped demo, its webhooks moved to this inbox port.
    proc = subprocess.Popen(
        [sys.executable, "-m", "devstack.run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    banner: list[str] = []
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            banner.append(line)
            if "Press Ctrl-C" in line:
                break
        text = "".join(banner)
        assert "Press Ctrl-C" in text, text
        assert f"http://127.0.0.1:{intake}/docs" in text
        assert f"http://127.0.0.1:{inbox}/" in text
        legal_key = re.search(r"legal\s+(esk_\S+)", text)
        assert legal_key is not None, text
        headers = {"Authorization": f"Bearer {legal_key.group(1)}"}
        posted = httpx.post(
            f"http://127.0.0.1:{intake}/v1/escalations",
            headers=headers,
            json={
                "title": "Removal order",
                "policy_area": "violent_extremism",
                "regulatory": {"regime": "terreg_removal_order"},
            },
        )
        assert posted.status_code == 202, posted.text
        esc_id = posted.json()["id"]
        store = tmp_path / ".run" / "inbox.jsonl"
        wait_for(
            lambda: (
                store.exists()
                and any(
                    orjson.loads(line)["payload"]["escalation"]["id"] == esc_id
                    for line in store.read_bytes().splitlines()
                )
            ),
            timeout=15,
            what="the notification in the demo inbox",
        )
        servers = _descendants_named(proc.pid, {"java", "postgres"})
        assert servers, "make run started Kafka and Postgres as its children"
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        code = proc.wait(timeout=60)
    assert code == 0
    time.sleep(0.2)
    assert _children(proc.pid) == [], "no process of make run's session is left"

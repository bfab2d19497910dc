"""`make run`'s program: brings the stack up, says where to look, and Ctrl-C leaves nothing."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
import pytest

from devstack.ports import free_ports
from devstack.run import LEGAL_CALLBACK
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


def _make_run_env(tmp_path: Path) -> tuple[dict[str, str], list[int]]:
    """Return the environment of a `make run` on free ports, and those ports."""
    ports = free_ports(4)
    intake, router, notifier, inbox = ports
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
    return env, ports


class Output:
    """Every line `make run` prints, read by a thread so the pipe never fills."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        assert proc.stdout is not None
        stream = proc.stdout
        self._thread = threading.Thread(target=lambda: self.lines.extend(stream), daemon=True)
        self._thread.start()

    def text(self) -> str:
        """Return everything printed so far."""
        return "".join(self.lines)


def _start(tmp_path: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], Output]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "devstack.run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output = Output(proc)
    wait_for(lambda: "Press Ctrl-C" in output.text() or proc.poll() is not None, timeout=90,
             what="the make run banner")  # fmt: skip
    assert "Press Ctrl-C" in output.text(), output.text()
    return proc, output


def _stop(proc: subprocess.Popen[str]) -> int:
    os.killpg(proc.pid, signal.SIGINT)
    return proc.wait(timeout=60)


def _entries(store: Path) -> list[dict[str, Any]]:
    return (
        [orjson.loads(line) for line in store.read_bytes().splitlines()] if store.exists() else []
    )


def _delivered(store: Path, esc_id: str) -> bool:
    """Return whether a responder's notification about ``esc_id`` reached the inbox."""
    return any(
        entry["payload"].get("escalation", {}).get("id") == esc_id for entry in _entries(store)
    )


def _told_requester(store: Path, esc_id: str) -> list[str]:
    """Return the types the legal source's status callback received about ``esc_id``."""
    return [
        entry["payload"]["type"]
        for entry in _entries(store)
        if entry["person"] == LEGAL_CALLBACK and entry["payload"].get("escalation_id") == esc_id
    ]


def _post(intake: int, key: str, title: str) -> str:
    posted = httpx.post(
        f"http://127.0.0.1:{intake}/v1/escalations",
        headers={"Authorization": f"Bearer {key}"},
        json={
            "title": title,
            "policy_area": "violent_extremism",
            "regulatory": {"regime": "terreg_removal_order"},
        },
    )
    assert posted.status_code == 202, posted.text
    return str(posted.json()["id"])


def _pid_of(root: int, marker: str) -> int:
    """Return the pid of the descendant of ``root`` whose command line contains ``marker``."""
    out = subprocess.run(
        [*PS, "pid=,ppid=,args="], capture_output=True, text=True, check=True
    ).stdout
    parent, args = {}, {}
    for line in out.splitlines():
        pid, ppid, command = line.split(None, 2)
        parent[int(pid)], args[int(pid)] = int(ppid), command
    for pid, command in args.items():
        walk = pid
        while walk in parent and walk not in (root, 0, 1):
            walk = parent[walk]
        if walk == root and marker in command:
            return pid
    raise AssertionError(f"no process of make run runs {marker!r}")


def test_make_run_serves_the_demo_and_stops_cleanly(tmp_path: Path) -> None:
    """The banner names the docs, keys and inbox; a posted escalation lands; Ctrl-C cleans up."""
    # No ESCALATIONS_CONFIG: the shipped demo, its webhooks moved to this inbox port.
    env, (intake, _, _, inbox) = _make_run_env(tmp_path)
    proc, output = _start(tmp_path, env)
    try:
        text = output.text()
        assert f"http://127.0.0.1:{intake}/docs" in text
        assert f"http://127.0.0.1:{inbox}/" in text
        legal_key = re.search(r"legal\s+(esk_\S+)", text)
        assert legal_key is not None, text
        esc_id = _post(intake, legal_key.group(1), "Removal order")
        store = tmp_path / ".run" / "inbox.jsonl"
        wait_for(lambda: _delivered(store, esc_id), timeout=15,
                 what="the notification in the demo inbox")  # fmt: skip
        # The legal source registered a status callback: it hears the order was received.
        wait_for(lambda: _told_requester(store, esc_id) == ["escalation.received"], timeout=15,
                 what="the legal source's status callback")  # fmt: skip
        assert f"'{LEGAL_CALLBACK}'" in text
        servers = _descendants_named(proc.pid, {"java", "postgres"})
        assert servers, "make run started Kafka and Postgres as its children"
    finally:
        code = _stop(proc)
    assert code == 0
    time.sleep(0.2)
    assert _children(proc.pid) == [], "no process of make run's session is left"


def test_make_run_is_durable_and_restarts_what_crashes(tmp_path: Path) -> None:
    """Postgres runs durable; a killed service or Postgres comes back; nothing accepted is lost."""
    env, (intake, router, _, _) = _make_run_env(tmp_path)
    proc, output = _start(tmp_path, env)
    try:
        text = output.text()
        key = re.search(r"legal\s+(esk_\S+)", text)
        database = re.search(r"Kafka / Postgres:\s+\S+\s+(\S+)", text)
        assert key is not None, text
        assert database is not None, text
        headers = {"Authorization": f"Bearer {key.group(1)}"}
        dsn = database.group(1).replace("+asyncpg", "")

        async def setting(name: str) -> str:
            conn = await asyncpg.connect(dsn)
            try:
                return str(await conn.fetchval(f"SHOW {name}"))
            finally:
                await conn.close()

        for name in ("fsync", "synchronous_commit", "full_page_writes"):
            assert "on" == asyncio.run(setting(name)), name

        first = _post(intake, key.group(1), "Accepted before the crash")
        url = f"http://127.0.0.1:{intake}/v1/escalations/{first}"
        wait_for(lambda: httpx.get(url, headers=headers).status_code == 200, timeout=15,
                 what="the escalation stored")  # fmt: skip

        os.kill(_pid_of(proc.pid, "-m escalations_router"), signal.SIGKILL)
        wait_for(lambda: "router restarted" in output.text(), timeout=60,
                 what="the router restarted")  # fmt: skip
        assert "router stopped unexpectedly; restarting it in 1 s" in output.text()
        ready = f"http://127.0.0.1:{router}/readyz"
        assert 200 == httpx.get(ready).status_code

        postmaster = _pid_of(proc.pid, "postgres -D")
        os.kill(postmaster, signal.SIGKILL)
        wait_for(lambda: "postgres restarted" in output.text(), timeout=90,
                 what="postgres restarted")  # fmt: skip

        def stored() -> bool:
            try:
                return httpx.get(url, headers=headers, timeout=5).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(stored, timeout=60, what="the escalation accepted before the crash, still there")
        second = _post(intake, key.group(1), "Accepted after the crash")
        store = tmp_path / ".run" / "inbox.jsonl"
        wait_for(lambda: _delivered(store, second), timeout=60,
                 what="a notification after the restarts")  # fmt: skip
    finally:
        code = _stop(proc)
    assert code == 0, output.text()

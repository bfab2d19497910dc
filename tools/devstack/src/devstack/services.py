"""Start the three services (and the demo inbox) as real processes, wait until ready, stop.

Used by `make run` and by the end-to-end tests, so both exercise the same start-up path.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from devstack.procs import DevstackError, finish_stop, request_stop, spawn, tail

SERVICES = ("intake", "router", "notifier")
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 20.0


@dataclass(frozen=True)
class Ports:
    """Where each process listens on 127.0.0.1."""

    intake: int = 8080
    router: int = 8081
    notifier: int = 8082
    inbox: int = 8083


@dataclass
class Process:
    """One running service process."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    ready_url: str


def service_env(base: Mapping[str, str], ports: Ports) -> dict[str, str]:
    """Return the environment for the services: ``base`` plus their listen ports."""
    env = dict(base)
    env.update(
        INTAKE_PORT=str(ports.intake),
        ESCALATIONS_PUBLIC_URL=env.get(
            "ESCALATIONS_PUBLIC_URL", f"http://127.0.0.1:{ports.intake}"
        ),
        ROUTER_HTTP_PORT=str(ports.router),
        NOTIFIER_HTTP_PORT=str(ports.notifier),
        PYTHONUNBUFFERED="1",
    )
    return env


def _argv(name: str) -> list[str]:
    return [sys.executable, "-m", f"escalations_{name}"]


def start(
    env: Mapping[str, str], ports: Ports, log_dir: Path, names: Sequence[str] = SERVICES
) -> list[Process]:
    """Start the named services with their logs in ``log_dir``; returns at once."""
    log_dir.mkdir(parents=True, exist_ok=True)
    port_of = {"intake": ports.intake, "router": ports.router, "notifier": ports.notifier}
    procs = []
    for name in names:
        log = log_dir / f"{name}.log"
        popen = spawn(_argv(name), log=log, cwd=log_dir, env=env, death_signal=signal.SIGTERM)
        procs.append(Process(name, popen, log, f"http://127.0.0.1:{port_of[name]}/readyz"))
    return procs


def start_inbox(env: Mapping[str, str], port: int, log_dir: Path, store: Path) -> Process:
    """Start the demo inbox that receives signed webhooks and records them in ``store``."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / "inbox.log"
    store = store.resolve()
    argv = [
        sys.executable,
        "-m",
        "escalations.demo_inbox",
        "--port",
        str(port),
        "--store",
        str(store),
    ]
    popen = spawn(argv, log=log, cwd=log_dir, env=env, death_signal=signal.SIGTERM)
    return Process("inbox", popen, log, f"http://127.0.0.1:{port}/healthz")


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback URL built here
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def wait_ready(procs: Sequence[Process], timeout: float = READY_TIMEOUT_S) -> None:
    """Wait until every process answers its readiness URL; raise with its log tail if not."""
    deadline = time.monotonic() + timeout
    pending = list(procs)
    while pending:
        for proc in list(pending):
            code = proc.popen.poll()
            if code is not None:
                raise DevstackError(f"{proc.name} exited with code {code}; log:\n{tail(proc.log)}")
            if _ready(proc.ready_url):
                pending.remove(proc)
        if pending and time.monotonic() > deadline:
            names = ", ".join(p.name for p in pending)
            logs = "\n".join(f"--- {p.name} ({p.log}):\n{tail(p.log)}" for p in pending)
            raise DevstackError(f"{names} not ready in {timeout:g} s\n{logs}")
        if pending:
            time.sleep(0.1)


def stop(procs: Sequence[Process], timeout: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM every process, then wait (SIGKILL after ``timeout``)."""
    for proc in procs:
        request_stop(proc.popen, signal.SIGTERM)
    for proc in procs:
        finish_stop(proc.popen, timeout)

"""Postgres and broker restarts under a router with traffic: it stays up, says so, recovers.

This module stops and starts its Postgres and broker, so it runs a stack of its own (not
the router tests' shared one).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from devstack.stack import start_stack
from escalations.contracts.topics import TOPICS
from escalations.db.migrate import upgrade
from tests.e2e.router.configs import config
from tests.e2e.router.rig import Rig, wait_until
from tests.e2e.router.test_router_crash import _assert_exactly_once, _ids, _received, _wait_done

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    """A rig on a Kafka and a Postgres that only this module uses (and stops)."""
    stack = start_stack(topics=TOPICS, env={})
    try:
        assert stack.database_url is not None
        upgrade(stack.database_url)
        folder: Path = tmp_path_factory.mktemp("router-outages")
        (folder / "config.yaml").write_text(config())
        env = {
            "PATH": "/usr/bin:/bin",
            **stack.env(),
            "ESCALATIONS_CONFIG": str(folder / "config.yaml"),
            "ESCALATIONS_LINK_SECRET": secrets.token_urlsafe(24),
            "ROUTER_TIMER_INTERVAL_SECONDS": "0.1",
            "ROUTER_SESSION_TIMEOUT_MS": "6000",
        }
        made = Rig(stack, folder, folder / "config.yaml", "unused", env=env)
        try:
            yield made
        finally:
            made.stop_all()
    finally:
        stack.stop()


def readyz(rig: Rig) -> tuple[int, dict[str, Any]]:
    """Return the router's readiness status code and body."""
    response = httpx.get(rig.router_url("r") + "/readyz", timeout=10)
    return response.status_code, response.json()


def out(rig: Rig, dependency: str) -> bool:
    """Return whether /readyz answers 503 naming the dependency as out."""
    code, body = readyz(rig)
    return code == 503 and dependency in body.get("outages", {})


def alive(rig: Rig) -> bool:
    """Return whether the router process still runs."""
    return rig.routers["r"].popen.poll() is None


def _steadily(rig: Rig, ids: list[str], stop: threading.Event) -> None:
    """Produce 50 escalations every 0.2 s until all are out or ``stop`` is set."""
    for start in range(0, len(ids), 50):
        if stop.is_set():
            return
        rig.produce(_received(esc_id) for esc_id in ids[start : start + 50])
        time.sleep(0.2)


@pytest.mark.parametrize("dependency", ["postgres", "kafka"])
def test_a_restart_under_traffic_keeps_the_router_up_and_everything_exactly_once(
    rig: Rig, dependency: str
) -> None:
    """Escalations sent before, during and after the restart: each stored and assigned once."""
    rig.start_router("r")
    try:
        before, later = _ids(300), _ids(300)
        rig.produce(_received(esc_id) for esc_id in before)
        stop = threading.Event()
        producer = threading.Thread(target=_steadily, args=(rig, later, stop))
        if dependency == "postgres":
            producer.start()  # the broker takes them while Postgres is out
            rig.stack.stop_postgres()
        else:
            rig.stack.stop_kafka()
        wait_until(lambda: out(rig, dependency), 30, f"readiness to report {dependency} out")
        time.sleep(3)  # retries meanwhile, with backoff
        during = (alive(rig), readyz(rig)[1]["outages"][dependency]["since"] != "")
        if dependency == "postgres":
            rig.stack.start_postgres()
        else:
            rig.stack.start_kafka()
            producer.start()  # after the broker is back: nothing to accept before
        producer.join()
        _wait_done(rig, before + later)
        wait_until(lambda: readyz(rig)[0] == 200, 30, "ready again")
        assert (True, True) == during
        assert alive(rig)
        _assert_exactly_once(rig, before + later)
        metrics = httpx.get(rig.router_url("r") + "/metrics", timeout=10).text
        assert f'router_dependency_up{{dependency="{dependency}"}} 1.0' in metrics
        assert f'router_dependency_retries_total{{dependency="{dependency}"}} 0.0' not in metrics
    finally:
        rig.kill("r")

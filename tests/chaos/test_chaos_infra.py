"""Broker, Postgres and webhook endpoint crashes under load: what was accepted gets through."""

from __future__ import annotations

import dataclasses
import signal
import time

import pytest

from tests.chaos.scene import COUNT, PEOPLE, RATE, RECOVERY_TARGET_S, Scene, check
from tests.support import wait_for

pytestmark = pytest.mark.chaos
ENDPOINT_DOWN_S = 20.0


def test_broker_killed_and_restarted_on_its_data(scene: Scene) -> None:
    """kill -9 of the broker mid-flow: 202 or 503 only, every 202 stored and notified."""
    assert scene.stack is not None
    assert scene.stack.kafka_server is not None
    scene.start_all()
    load = scene.load(COUNT, RATE).start()
    wait_for(lambda: load.answered() >= COUNT // 3, timeout=30, what="a third of the load")
    broker = scene.stack.kafka_server.process
    broker.send_signal(signal.SIGKILL)
    broker.wait(30)
    scene.stack.restart_kafka()
    load.join()
    after = scene.load(COUNT // 3, RATE / 2).start()  # and the intake accepts again
    after.join()
    figures = scene.settle(load, after)
    check(figures, scene, load, after)
    assert figures.refused > 0, "requests during the outage are refused with 503"
    assert after.accepted(), f"nothing accepted after the broker was back: {after.statuses()}"


def test_postgres_crashed_and_restarted_on_its_data(scene: Scene) -> None:
    """kill -9 of Postgres mid-flow: no service exits, every 202 stored and notified."""
    assert scene.stack is not None
    scene.start_all()
    load = scene.load(COUNT, RATE).start()
    wait_for(lambda: load.answered() >= COUNT // 3, timeout=30, what="a third of the load")
    scene.stack.stop_postgres(crash=True)
    time.sleep(2.0)
    scene.stack.start_postgres()
    load.join()
    figures = scene.settle(load)
    exited = {name: p.popen.poll() for name, p in scene.procs.items() if p.popen.poll() is not None}
    check(figures, scene, load)
    assert {} == exited, "a service exited on the Postgres crash"


def test_endpoint_down_then_back_is_caught_up_within_seconds(scene: Scene) -> None:
    """The webhook endpoint answers 503 for 20 s: nothing lost, the queue sent within 5 s."""
    scene.start_all()
    load = scene.load(COUNT, RATE).start()
    wait_for(lambda: len(scene.deliveries()) >= COUNT // 4, timeout=30, what="deliveries flowing")
    paths = [f"/hook/{pid}" for pid in PEOPLE]
    for path in paths:
        scene.receiver.down(path)
    time.sleep(ENDPOINT_DOWN_S)
    for path in paths:
        scene.receiver.up(path)
    back = time.monotonic()
    load.join()
    waiting = list(load.accepted())
    figures = scene.settle(load)
    figures = dataclasses.replace(figures, recovery_s=scene.recovery(waiting, back))
    check(figures, scene, load)
    assert figures.recovery_s is not None
    assert figures.recovery_s <= RECOVERY_TARGET_S, figures.line()

"""Services killed with SIGKILL under load: nothing accepted is lost, re-sends are marked."""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest

from tests.chaos.scene import COUNT, RATE, RECOVERY_TARGET_S, Scene, check
from tests.support import wait_for

pytestmark = pytest.mark.chaos


def test_router_killed_mid_flow_and_restarted(scene: Scene) -> None:
    """kill -9 of the router a third into the load: every 202 stored and notified once."""
    scene.start_all()
    load = scene.load(COUNT, RATE).start()
    wait_for(lambda: load.answered() >= COUNT // 3, timeout=30, what="a third of the load")
    scene.kill("router")
    scene.restart("router")
    load.join()
    figures = scene.settle(load)
    check(figures, scene, load)
    assert COUNT == figures.accepted, "the intake does not need the router to accept"


def test_notifier_killed_mid_flow_recovers_within_seconds(scene: Scene) -> None:
    """kill -9 of the notifier between a send and its record: re-sends marked, 5 s recovery."""
    scene.start_all()
    load = scene.load(COUNT, RATE).start()
    killed = _kill_in_the_window(scene, "notifier", after=COUNT // 4)
    assert killed.wait(30), "the kill must land while deliveries flow"
    time.sleep(1.0)  # escalations keep arriving while it is away
    back = scene.restart("notifier")
    waiting = [i for i, answer in load.accepted().items() if answer.answered_at < back]
    load.join()
    figures = scene.settle(load)
    figures = dataclasses.replace(figures, recovery_s=scene.recovery(waiting, back))
    check(figures, scene, load, resends=True)
    assert COUNT == figures.accepted
    assert figures.marked >= 1, "the send cut off by the kill is sent again, marked"
    assert figures.recovery_s is not None
    assert figures.recovery_s <= RECOVERY_TARGET_S, figures.line()


def _kill_in_the_window(scene: Scene, name: str, after: int) -> threading.Event:
    """Kill ``name`` from the receiver once ``after`` requests arrived, before it answers one.

    That request is recorded as accepted, and the notifier never learns it was: its
    outcome is unknown, the one case in which a message may be sent twice.
    """
    lock, fired, killed = threading.Lock(), threading.Event(), threading.Event()

    def hook(path: str) -> None:
        with lock:
            if fired.is_set() or len(scene.receiver.requests) < after:
                return
            fired.set()
        scene.receiver.hook = None
        scene.kill(name)
        killed.set()

    scene.receiver.hook = hook
    return killed


def test_two_of_each_and_one_of_each_killed(scene: Scene) -> None:
    """Two routers and two notifiers; one of each killed mid-flow: the others carry it all."""
    for name, kind in (("intake", "intake"), ("router-a", "router"), ("router-b", "router"),
                       ("notifier-a", "notifier"), ("notifier-b", "notifier")):  # fmt: skip
        scene.start(name, kind, wait=False)
    for name in list(scene.procs):
        scene.wait_ready(name)
    load = scene.load(COUNT, RATE).start()
    wait_for(lambda: len(scene.deliveries()) >= COUNT // 4, timeout=30, what="deliveries flowing")
    scene.kill("router-a")
    scene.kill("notifier-a")
    killed = time.monotonic()
    load.join()
    figures = scene.settle(load)
    everything = list(load.accepted())
    figures = dataclasses.replace(figures, recovery_s=scene.recovery(everything, killed))
    check(figures, scene, load, resends=True)
    assert COUNT == figures.accepted

"""SIGTERM stops each service gracefully: the work in flight finishes and clients close."""

from __future__ import annotations

import signal
import time

import pytest

from devstack import services
from devstack.ports import free_ports
from devstack.stack import Stack

pytestmark = pytest.mark.e2e


def test_router_and_notifier_exit_zero_on_sigterm(
    stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Router and notifier leave their consumer groups, close, log 'stopped' and exit 0."""
    folder = tmp_path_factory.mktemp("shutdown")
    intake, router, notifier, _ = free_ports(4)
    env = services.service_env(
        {"PATH": "/usr/bin:/bin", **stack.env(), "NOTIFIER_WEBHOOK_SECRET": "s" * 24},
        services.Ports(intake, router, notifier),
    )
    procs = services.start(
        env, services.Ports(intake, router, notifier), folder, ("router", "notifier")
    )
    try:
        services.wait_ready(procs)
    finally:
        started = time.monotonic()
        for proc in procs:
            proc.popen.send_signal(signal.SIGTERM)
        codes = [proc.popen.wait(timeout=20) for proc in procs]
    assert codes == [0, 0]
    assert time.monotonic() - started < 15
    for proc in procs:
        assert f'"msg":"{proc.name} stopped"' in proc.log.read_text()

"""Fixtures for the router's end-to-end tests: a stack of their own, and rigs on it."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator

import pytest

from devstack.stack import Stack, start_stack
from escalations.contracts.topics import TOPICS
from escalations.db.migrate import upgrade
from tests.e2e.router.rig import Rig

MakeRig = Callable[[str], Rig]


@pytest.fixture(scope="session")
def router_stack() -> Iterator[Stack]:
    """Start a Kafka and a Postgres only for the router's tests (routers here get killed)."""
    started = start_stack(topics=TOPICS, env={})
    try:
        assert started.database_url is not None
        upgrade(started.database_url)
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="module")
def make_rig(router_stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MakeRig]:
    """Return a factory of rigs over a configuration (YAML text); stops them after the module."""
    rigs: list[Rig] = []

    def make(config_text: str) -> Rig:
        folder = tmp_path_factory.mktemp("router-rig")
        config = folder / "config.yaml"
        config.write_text(config_text)
        admin_key = "esk_" + secrets.token_urlsafe(32)
        env = {
            "PATH": "/usr/bin:/bin",
            **router_stack.env(),
            "ESCALATIONS_CONFIG": str(config),
            "ESCALATIONS_BOOTSTRAP_KEY": admin_key,
            "ESCALATIONS_LINK_SECRET": secrets.token_urlsafe(24),
            "INTAKE_RATE_LIMIT_PER_SECOND": "1000",
            "INTAKE_RATE_LIMIT_BURST": "5000",
            "ROUTER_TIMER_INTERVAL_SECONDS": "0.1",
            "ROUTER_CONFIG_POLL_SECONDS": "0.5",
            "ROUTER_SESSION_TIMEOUT_MS": "6000",
        }
        rig = Rig(router_stack, folder, config, admin_key, env=env)
        rigs.append(rig)
        return rig

    try:
        yield make
    finally:
        for rig in rigs:
            rig.stop_all()

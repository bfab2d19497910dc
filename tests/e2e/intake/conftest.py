"""An intake of its own (2 workers) on a Kafka of its own, with the session's Postgres.

The intake tests publish thousands of generated events; on their own broker no router
consumes them, so the rest of the suite never sees them, and tests can read the topic.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from devstack import services
from devstack.ports import free_ports
from devstack.stack import Stack, start_stack
from escalations.contracts.topics import TOPICS
from escalations.core.escalation import SourceKind
from escalations_intake.auth.api_keys import Scope, new_key
from tests.e2e.intake.helpers import create_key
from tests.e2e.intake.topic import read_topic


@dataclass
class Intake:
    """A running intake and the broker it publishes to."""

    base_url: str
    admin_key: str
    link_secret: str
    database_url: str
    kafka: Stack
    logs: Path
    process: services.Process

    def client(self, key: str | None = None) -> httpx.Client:
        """Return a client authenticated with ``key`` (default: the admin key)."""
        headers = {"Authorization": f"Bearer {key or self.admin_key}"}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=15)

    def key(self, source: str, kind: SourceKind, scopes: frozenset[Scope]) -> str:
        """Create and return a new API key."""
        return asyncio.run(create_key(self.database_url, source, kind, scopes))

    def events(self, escalation_id: str | None = None) -> list[dict[str, Any]]:
        """Return the envelopes on the intake topic, optionally of one escalation (subject)."""
        assert self.kafka.kafka_bootstrap is not None
        found = asyncio.run(read_topic(self.kafka.kafka_bootstrap))
        return [e for e in found if escalation_id is None or e["subject"] == escalation_id]


def own_kafka() -> Stack:
    """Start a broker of our own (never an external one) with the topics."""
    return start_stack(postgres=False, topics=TOPICS, env={})


def start_intake(
    stack: Stack,
    kafka: Stack,
    folder: Path,
    extra: Mapping[str, str] = {},
    port: int | None = None,
) -> Intake:
    """Start an intake process against ``kafka`` and the session's Postgres.

    ``port``: where it listens, for settings that must name it; a free one by default.
    """
    assert stack.database_url is not None
    assert kafka.kafka_bootstrap is not None
    if port is None:
        (port,) = free_ports(1)
    admin_key, link_secret = new_key(), secrets.token_urlsafe(24)
    env = services.service_env(
        {
            "PATH": "/usr/bin:/bin",
            "DATABASE_URL": stack.database_url,
            "KAFKA_BOOTSTRAP_SERVERS": kafka.kafka_bootstrap,
            "ESCALATIONS_BOOTSTRAP_KEY": admin_key,
            "ESCALATIONS_LINK_SECRET": link_secret,
            "INTAKE_WORKERS": "2",
            "INTAKE_KEY_CACHE_SECONDS": "0.5",
            "INTAKE_RATE_LIMIT_PER_SECOND": "2000",
            "INTAKE_RATE_LIMIT_BURST_SECONDS": "2",
            "INTAKE_RATE_LIMIT_SOURCES": '{"throttled": 2}',
            **extra,
        },
        services.Ports(intake=port),
    )
    logs = folder / "logs"
    (proc,) = services.start(env, services.Ports(intake=port), logs, names=("intake",))
    try:
        services.wait_ready([proc])
    except BaseException:
        services.stop([proc])
        raise
    base = f"http://127.0.0.1:{port}"
    return Intake(base, admin_key, link_secret, stack.database_url, kafka, logs, proc)


@pytest.fixture(scope="package")
def intake(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Intake]:
    """An intake with two workers on its own broker."""
    kafka = own_kafka()
    try:
        running = start_intake(stack, kafka, tmp_path_factory.mktemp("intake"))
        try:
            yield running
        finally:
            services.stop([running.process])
    finally:
        kafka.stop()

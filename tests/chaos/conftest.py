"""Fixtures of the fault-injection suite: a scene of its own per test (servers included)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from devstack.cluster import start_cluster
from devstack.stack import start_stack
from escalations.contracts.topics import TOPICS
from escalations.db.migrate import upgrade
from tests.chaos.scene import Scene
from tests.e2e.notifier.receivers import HttpReceiver


def _secret() -> bytes:
    return ("chaos-webhook-" + secrets.token_hex(8)).encode()


@pytest.fixture
def scene(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Scene]:
    """A single-broker Kafka, a durable Postgres and a receiver of this test's own."""
    # Durable as in production: without synchronous commits a crash forgets commits the
    # router has already acted on (a notification for an escalation it no longer has).
    stack = start_stack(topics=TOPICS, env={}, durable=True)
    receiver = HttpReceiver(_secret()).start()
    assert stack.database_url is not None
    assert stack.kafka_bootstrap is not None
    folder = tmp_path_factory.mktemp("chaos")
    made = Scene(request.node.originalname, folder, stack.env(), stack.database_url, receiver)
    made.stack = stack
    try:
        upgrade(stack.database_url)
        yield made
    finally:
        made.stop_all()
        receiver.stop()
        stack.stop()


@pytest.fixture
def cluster_scene(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Scene]:
    """Three Kafka nodes (replication 3, min ISR 2), a durable Postgres and a receiver."""
    stack = start_stack(kafka=False, env={}, durable=True)
    receiver = HttpReceiver(_secret()).start()
    assert stack.database_url is not None
    try:
        cluster = start_cluster(3, min_insync=2, topics=TOPICS)
    except BaseException:
        receiver.stop()
        stack.stop()
        raise
    folder = tmp_path_factory.mktemp("chaos")
    made = Scene(request.node.originalname, folder, cluster.env(), stack.database_url, receiver)
    made.stack, made.cluster = stack, cluster
    try:
        upgrade(stack.database_url)
        yield made
    finally:
        made.stop_all()
        receiver.stop()
        cluster.stop()
        stack.stop()

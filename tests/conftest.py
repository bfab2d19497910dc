"""Session fixtures: one real Kafka and one real Postgres for every test that needs them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devstack.stack import Stack, start_stack
from escalations.contracts.topics import TOPICS
from escalations.db.migrate import upgrade


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """Start Kafka and Postgres (or use the external ones named in the environment), migrated."""
    started = start_stack(topics=TOPICS)
    try:
        assert started.database_url is not None
        upgrade(started.database_url)
        yield started
    finally:
        started.stop()

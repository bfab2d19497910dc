"""The deploy step, run exactly as compose and the Kubernetes setup Job run it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator

import orjson
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from alembic.script import ScriptDirectory

from devstack.stack import Stack, running
from escalations.contracts.topics import TOPICS
from escalations.db.migrate import alembic_config
from tests.support import query

pytestmark = pytest.mark.e2e
# The container's command (Dockerfile target `setup`, deploy/k8s/setup-job.yaml).
COMMAND = [sys.executable, "-m", "escalations.setup"]


@pytest.fixture(scope="module")
def fresh() -> Iterator[Stack]:
    """A Kafka and a Postgres of their own: no topic, no table, as on a first deployment."""
    env = {
        k: v for k, v in os.environ.items() if k not in {"KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL"}
    }
    with running(env=env) as stack:
        yield stack


def _setup(stack: Stack) -> subprocess.CompletedProcess[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "DATABASE_"))},
        "KAFKA_BOOTSTRAP_SERVERS": str(stack.kafka_bootstrap),
        "DATABASE_URL": str(stack.database_url),
        "LOG_LEVEL": "info",
    }
    return subprocess.run(
        COMMAND, env=env, capture_output=True, text=True, timeout=120, check=False
    )


async def _topics(bootstrap: str) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()


def test_setup_creates_topics_and_schema_on_a_fresh_deployment_and_runs_again(fresh: Stack) -> None:
    """Exit 0 with every topic and the schema at head; a second run (a redeploy) exits 0 too."""
    first = _setup(fresh)
    assert 0 == first.returncode, first.stderr
    lines = [orjson.loads(line) for line in first.stderr.splitlines() if line.startswith("{")]
    ready = next(line for line in lines if line["msg"] == "topics ready")
    assert sorted(t.name for t in TOPICS) == sorted(ready["created"])
    assert any(line["msg"] == "database schema at head" for line in lines)
    assert {t.name for t in TOPICS} <= asyncio.run(_topics(str(fresh.kafka_bootstrap)))
    head = ScriptDirectory.from_config(
        alembic_config("postgresql+asyncpg://unused/x")
    ).get_current_head()
    rows = asyncio.run(query(str(fresh.database_url), "SELECT version_num FROM alembic_version"))
    assert [head] == [row["version_num"] for row in rows]

    again = _setup(fresh)
    assert 0 == again.returncode, again.stderr
    assert '"created":[]' in again.stderr.replace(" ", "")


def test_setup_waits_for_an_unreachable_kafka_then_names_it_and_exits_1() -> None:
    """A broker that never comes is retried until SETUP_WAIT_SECONDS, then named; exit 1."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "DATABASE_"))}
    env |= {"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1", "SETUP_WAIT_SECONDS": "2"}
    done = subprocess.run(COMMAND, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert 1 == done.returncode, done.stderr
    assert "topics: waiting for Kafka at 127.0.0.1:1" in done.stderr
    assert "Kafka at 127.0.0.1:1 not reachable within 2 s (SETUP_WAIT_SECONDS)" in done.stderr
    assert "Traceback" not in done.stderr


def test_setup_refuses_a_bad_setting_with_exit_2() -> None:
    """A negative wait is refused before anything is touched, naming the setting."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "DATABASE_"))}
    env |= {"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1", "SETUP_WAIT_SECONDS": "-1"}
    done = subprocess.run(COMMAND, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert 2 == done.returncode
    assert "SETUP_WAIT_SECONDS" in done.stderr

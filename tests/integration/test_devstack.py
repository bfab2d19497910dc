"""The devstack launcher: real Kafka and PostgreSQL up, used, and gone without a trace."""

from __future__ import annotations

import asyncio
import base64
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from hypothesis import given, settings
from hypothesis import strategies as st

from devstack import DevstackError, Stack, create_topics, start_stack
from devstack.kafka import (
    PreparedKafka,
    launch_kafka,
    new_cluster_id,
    prepare_kafka,
    server_properties,
    wait_kafka_ready,
)
from devstack.maven import kafka_version
from devstack.ports import free_ports
from devstack.postgres import find_bindir, launch_postgres, prepare_postgres, wait_postgres_ready
from devstack.topics import load_specs, validate_specs
from devstack.workdirs import make_workdir, sweep_stale


@dataclass(frozen=True)
class Topic:
    """A topic spec of our own, shaped like the project's."""

    name: str
    partitions: int
    config: Mapping[str, str] = field(default_factory=dict)


TOPICS = (Topic("devstack.test.a", 3, {"retention.ms": "600000"}), Topic("devstack.test.b", 1))


def _unique(prefix: str) -> str:
    return f"{prefix}.{uuid.uuid4().hex[:8]}"


def _public_temp_dir() -> Path:
    # pytest's tmp_path sits under a 0700 folder the postgres user cannot enter.
    path = Path(tempfile.mkdtemp(prefix="devstack-test-"))
    path.chmod(0o755)
    return path


def _group_gone(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _processes_mentioning(folder: Path) -> list[int]:
    needle = os.fsencode(folder)
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if needle in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _wait_for(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    """A Kafka and PostgreSQL pair for the tests of this module."""
    started = start_stack(topics=TOPICS, env={})
    yield started
    started.stop()


# --- pure helpers -------------------------------------------------------------------------


def test_cluster_id_is_22_base64url_characters_of_a_uuid() -> None:
    """A cluster id is a random UUID in unpadded base64url: 22 characters, 16 bytes."""
    ids = {new_cluster_id() for _ in range(50)}
    assert len(ids) == 50
    for cluster_id in ids:
        assert re.fullmatch(r"[A-Za-z0-9_-]{22}", cluster_id)
        assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16


def test_server_properties_describe_a_single_combined_node(tmp_path: Path) -> None:
    """The broker config is one combined node on loopback with single-replica internals."""
    text = server_properties(tmp_path, 9092, 9093)
    props = dict(line.split("=", 1) for line in text.splitlines())
    expected = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "listeners": "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093",
        "controller.quorum.voters": "1@127.0.0.1:9093",
        "log.dirs": str(tmp_path / "data"),
        "auto.create.topics.enable": "false",
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
        "log.cleaner.dedupe.buffer.size": "16777216",
    }
    assert expected == {key: props[key] for key in expected}


def test_kafka_version_comes_from_the_pom() -> None:
    """The jar cache is named after the 4.x version pinned in pom.xml."""
    assert re.fullmatch(r"4\.\d+\.\d+", kafka_version())


def test_newest_postgres_major_is_chosen(tmp_path: Path) -> None:
    """The bin folder of the highest numeric major with an initdb wins; others are ignored."""
    for name, with_initdb in [("9", True), ("15", True), ("16", True), ("17", False), ("x", True)]:
        (tmp_path / name / "bin").mkdir(parents=True)
        if with_initdb:
            (tmp_path / name / "bin" / "initdb").touch()
    assert tmp_path / "16" / "bin" == find_bindir(tmp_path)
    assert find_bindir(tmp_path / "none") is None


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (Topic("", 1), "non-empty string `name`"),
        (Topic("t", 0), "topic 't': partitions must be an int >= 1, got 0"),
        (Topic("t", True), "topic 't': partitions must be an int >= 1, got True"),
        (Topic("t", 1, {"retention.ms": 5}), "topic 't': config must map str to str"),  # type: ignore[dict-item]
        (object(), "needs a non-empty string `name`"),
    ],
)
def test_malformed_topic_specs_are_refused_by_name(spec: object, message: str) -> None:
    """Each malformed spec raises an error naming the topic and what is wrong."""
    with pytest.raises(ValueError, match=re.escape(message)):
        validate_specs([spec])  # type: ignore[list-item]


def test_duplicate_topic_names_are_refused() -> None:
    """Two specs for one topic name are refused, naming it."""
    with pytest.raises(ValueError, match=r"more than once: \['a'\]"):
        validate_specs([Topic("a", 1), Topic("a", 2)])


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("no_colon", "module:ATTRIBUTE"),
        ("devstack_no_such_module:X", "cannot import 'devstack_no_such_module'"),
        ("devstack.topics:NOPE", "has no attribute 'NOPE'"),
        ("devstack.stack:KAFKA_ENV", "must be a list of topic specs, got str"),
    ],
)
def test_bad_topic_references_are_refused(reference: str, message: str) -> None:
    """A --topics reference that does not lead to a list of specs says what is wrong."""
    with pytest.raises(ValueError, match=re.escape(message)):
        load_specs(reference)


def test_project_topics_load_by_reference() -> None:
    """The project's own topic list loads through a module:ATTRIBUTE reference."""
    specs = load_specs("escalations.contracts.topics:TOPICS")
    assert "escalations.intake.v1" in [spec.name for spec in specs]


@settings(max_examples=20, deadline=None)
@given(st.integers(min_value=1, max_value=16))
def test_free_ports_are_distinct(count: int) -> None:
    """Ports handed out together never repeat."""
    ports = free_ports(count)
    assert count == len(set(ports))


def test_sweep_removes_only_folders_whose_launcher_is_gone(tmp_path: Path) -> None:
    """A run folder of a dead launcher is removed; live or foreign folders stay."""
    dead_pid = 2**22 + 1  # above Linux's largest pid_max: never a live process
    folders = {"devstack-dead": dead_pid, "devstack-live": os.getpid(), "devstack-foreign": None}
    for name, owner in folders.items():
        (tmp_path / name).mkdir()
        if owner is not None:
            (tmp_path / name / "owner.pid").write_text(f"{owner}\n")
    sweep_stale(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["devstack-foreign", "devstack-live"]


async def test_unreachable_kafka_for_topics_is_named_in_the_error() -> None:
    """Creating topics on a Kafka nobody listens on fails naming the address."""
    (port,) = free_ports(1)
    with pytest.raises(DevstackError, match=rf"could not create Kafka topics on 127.0.0.1:{port}"):
        await create_topics(f"127.0.0.1:{port}", [Topic("t", 1)])


# --- real servers -------------------------------------------------------------------------


@pytest.mark.integration
async def test_stack_carries_a_message_and_answers_sql(stack: Stack) -> None:
    """A started stack has the topics, carries a message end to end and runs SQL."""
    assert stack.kafka_bootstrap is not None
    assert stack.database_url is not None
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait("devstack.test.a", b"hello", key=b"k1")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        "devstack.test.a",
        bootstrap_servers=stack.kafka_bootstrap,
        group_id=_unique("devstack-test"),
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        record = await asyncio.wait_for(consumer.getone(), timeout=20)
    finally:
        await consumer.stop()
    assert (record.key, record.value) == (b"k1", b"hello")
    connection = await asyncpg.connect(stack.database_url.replace("+asyncpg", ""))
    try:
        row = await connection.fetchrow("select current_database(), current_setting('fsync')")
    finally:
        await connection.close()
    assert tuple(row) == ("escalations", "off")


@pytest.mark.integration
async def test_topics_get_their_partitions_and_recreating_them_is_fine(stack: Stack) -> None:
    """Topics have the asked partition counts; creating them again does not fail."""
    assert stack.kafka_bootstrap is not None
    await create_topics(stack.kafka_bootstrap, TOPICS)
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.kafka_bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics([topic.name for topic in TOPICS])
    finally:
        await admin.close()
    assert {topic["topic"]: len(topic["partitions"]) for topic in described} == {
        "devstack.test.a": 3,
        "devstack.test.b": 1,
    }


@pytest.mark.integration
async def test_a_topic_the_broker_refuses_is_named_in_the_error(stack: Stack) -> None:
    """A broker-side refusal raises an error that names the topic."""
    assert stack.kafka_bootstrap is not None
    name = _unique("devstack.bad")
    with pytest.raises(DevstackError, match=re.escape(name)):
        await create_topics(stack.kafka_bootstrap, [Topic(name, 1, {"cleanup.policy": "bogus"})])


@pytest.mark.integration
async def test_external_servers_in_env_are_used_instead_of_starting(stack: Stack) -> None:
    """With both variables set nothing starts, and topics go to the external Kafka."""
    assert stack.kafka_bootstrap is not None
    name = _unique("devstack.external")
    env = {"KAFKA_BOOTSTRAP_SERVERS": stack.kafka_bootstrap, "DATABASE_URL": "postgresql://x/y"}
    external = await asyncio.to_thread(start_stack, topics=[Topic(name, 2)], env=env)
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.kafka_bootstrap)
    await admin.start()
    try:
        topics = await admin.list_topics()
    finally:
        await admin.close()
    external.stop()
    assert (env, None, None, None) == (
        external.env(),
        external.workdir,
        external.kafka_server,
        external.postgres_server,
    )
    assert name in topics


@pytest.mark.integration
def test_stop_leaves_no_process_and_no_folder() -> None:
    """After stop() no server process of the stack runs and its folder is gone."""
    started = start_stack(env={})
    assert started.kafka_server is not None
    assert started.postgres_server is not None
    assert started.workdir is not None
    leaders = [started.kafka_server.process.pid, started.postgres_server.process.pid]
    assert len(_processes_mentioning(started.workdir)) >= 2
    started.stop()
    assert [_group_gone(pid) for pid in leaders] == [True, True]
    assert _processes_mentioning(started.workdir) == []
    assert not started.workdir.exists()


@pytest.mark.integration
def test_kafka_that_misses_its_deadline_names_its_log(tmp_path: Path) -> None:
    """A start that times out says so with the log path and tail, and leaves no process."""
    with pytest.raises(DevstackError, match=r"Kafka did not start in 0.5 s; log: (\S+)") as caught:
        start_stack(tmp_path, postgres=False, timeout=0.5, env={})
    log = Path(str(caught.value).split("log: ", 1)[1].splitlines()[0])
    assert log.is_file()
    assert _processes_mentioning(tmp_path) == []


def test_kafka_without_jars_is_refused(tmp_path: Path) -> None:
    """Preparing Kafka from a folder without the broker jars says how to get them."""
    with pytest.raises(DevstackError, match=r"no Kafka jars in .*python -m devstack fetch"):
        prepare_kafka(tmp_path / "kafka", tmp_path / "libs")


@pytest.mark.integration
def test_kafka_that_exits_early_reports_code_and_log(tmp_path: Path) -> None:
    """A broker whose JVM cannot start is reported with its exit code and log tail."""
    libs = tmp_path / "libs"
    libs.mkdir()
    (libs / "kafka_2.13-0.0.0.jar").write_bytes(b"not a jar")
    properties = tmp_path / "server.properties"
    properties.write_text(server_properties(tmp_path, *free_ports(2)))
    prepared = PreparedKafka(folder=tmp_path, libs=libs, properties=properties, port=1)
    server = launch_kafka(prepared)
    try:
        with pytest.raises(DevstackError, match=r"Kafka exited with code [1-9]\d* before it was"):
            wait_kafka_ready(server, timeout=30)
    finally:
        server.stop()


@pytest.mark.integration
def test_postgres_that_exits_early_reports_code_and_log() -> None:
    """A server that refuses its data folder is reported with its exit code and log tail."""
    folder = _public_temp_dir()
    try:
        prepared = prepare_postgres(folder / "postgres")
        (folder / "postgres" / "data" / "PG_VERSION").unlink()
        server = launch_postgres(prepared)
        try:
            with pytest.raises(DevstackError, match=r"PostgreSQL exited with code \d+ .*log: "):
                wait_postgres_ready(server, timeout=30)
        finally:
            server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _launch_cli(base: Path, env_file: Path) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "devstack", "up", "--workdir", str(base)]
    env = {
        k: v for k, v in os.environ.items() if k not in ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL")
    }
    process = subprocess.Popen([*argv, "--env-file", str(env_file)], env=env)
    assert _wait_for(lambda: env_file.exists() or process.poll() is not None, 60)
    assert process.poll() is None
    return process


def _leaders(base: Path) -> list[int]:
    (run_folder,) = base.glob("devstack-*")
    return [int(pid) for pid in (run_folder / "children.pid").read_text().split()]


@pytest.mark.integration
def test_cli_up_prints_env_and_tears_down_on_sigterm() -> None:
    """`up` writes both variables, and on SIGTERM stops everything and removes its files."""
    base = _public_temp_dir()
    env_file = base / "stack.env"
    try:
        process = _launch_cli(base, env_file)
        names = sorted(line.split("=", 1)[0] for line in env_file.read_text().splitlines())
        leaders = _leaders(base)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert names == ["DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS"]
        assert [_group_gone(pid) for pid in leaders] == [True, True]
        assert sorted(path.name for path in base.iterdir()) == []
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.integration
def test_servers_die_with_a_killed_launcher_and_its_folder_is_swept() -> None:
    """SIGKILL on the launcher takes the servers down; the next start removes the folder."""
    base = _public_temp_dir()
    try:
        process = _launch_cli(base, base / "stack.env")
        leaders = _leaders(base)
        process.kill()
        process.wait()
        assert _wait_for(lambda: all(_group_gone(pid) for pid in leaders), 10)
        fresh = make_workdir(base)
        assert [fresh.name, "stack.env"] == sorted(path.name for path in base.iterdir())
    finally:
        shutil.rmtree(base, ignore_errors=True)

"""A single-node Apache Kafka (KRaft, combined broker and controller) in a throwaway folder."""

from __future__ import annotations

import base64
import signal
import subprocess
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from devstack.maven import LOG4J_CONFIG, find_tool
from devstack.ports import LOOPBACK, free_ports
from devstack.procs import (
    DevstackError,
    finish_stop,
    request_stop,
    run,
    run_coroutine,
    spawn,
    tail,
)

# Quick to boot and small: tests. Benchmarks want a steady collector and more heap.
JVM_FAST: tuple[str, ...] = ("-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")
JVM_BENCH: tuple[str, ...] = ("-Xms1g", "-Xmx1g", "-XX:+UseG1GC")

_STARTED_LINE = "Kafka Server started"
_STOP_TIMEOUT_S = 20.0
_POLL_S = 0.1


@dataclass(frozen=True)
class PreparedKafka:
    """A formatted log folder and its configuration, ready to start."""

    folder: Path
    libs: Path
    properties: Path
    port: int

    @property
    def bootstrap(self) -> str:
        """Return the bootstrap address clients connect to."""
        return f"{LOOPBACK}:{self.port}"

    @property
    def log(self) -> Path:
        """Return the broker log file (Log4j and the JVM's own output)."""
        return self.folder / "kafka.log"


@dataclass
class KafkaServer:
    """A running broker started by `launch_kafka`."""

    prepared: PreparedKafka
    process: subprocess.Popen[bytes]
    # Readiness deadlines count from here, not from preparation (Maven, format, initdb).
    started_at: float = field(default_factory=time.monotonic)

    @property
    def bootstrap(self) -> str:
        """Return the bootstrap address clients connect to."""
        return self.prepared.bootstrap

    def request_stop(self) -> None:
        """Ask the broker for a controlled shutdown (SIGTERM); return at once."""
        request_stop(self.process, signal.SIGTERM)

    def finish_stop(self) -> None:
        """Wait for the broker to exit, killing it if it hangs."""
        finish_stop(self.process, _STOP_TIMEOUT_S)

    def stop(self) -> None:
        """Stop the broker and wait for it."""
        self.request_stop()
        self.finish_stop()


def new_cluster_id() -> str:
    """Return a fresh cluster id: the 22-character base64url form of a random UUID."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode("ascii").rstrip("=")
        # The storage tool would read an id starting with '-' as an option (1 run in 64).
        if not cluster_id.startswith("-"):
            return cluster_id


def server_properties(folder: Path, port: int, controller_port: int) -> str:
    """Return server.properties for one combined broker and controller on loopback."""
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "listeners": f"PLAINTEXT://{LOOPBACK}:{port},CONTROLLER://{LOOPBACK}:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://{LOOPBACK}:{port}",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "inter.broker.listener.name": "PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "controller.quorum.voters": f"1@{LOOPBACK}:{controller_port}",
        "log.dirs": str(folder / "data"),
        "num.partitions": "1",
        "auto.create.topics.enable": "false",
        "offsets.topic.replication.factor": "1",
        # The default of 50 partitions makes the first consumer group join slow.
        "offsets.topic.num.partitions": "4",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "4",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "share.coordinator.state.topic.num.partitions": "1",
        # Without this every new consumer group waits 3 s before its first assignment.
        "group.initial.rebalance.delay.ms": "0",
        # The 128 MiB default does not fit in a small test heap.
        "log.cleaner.dedupe.buffer.size": "16777216",
    }
    return "".join(f"{key}={value}\n" for key, value in settings.items())


def prepare_kafka(folder: Path, libs: Path) -> PreparedKafka:
    """Write the configuration into `folder` and format its storage with a new cluster id."""
    if not any(libs.glob("kafka_2.13-*.jar")):
        raise DevstackError(f"no Kafka jars in {libs}; run `python -m devstack fetch` first")
    folder.mkdir(parents=True, exist_ok=True)
    port, controller_port = free_ports(2)
    properties = folder / "server.properties"
    properties.write_text(server_properties(folder, port, controller_port))
    prepared = PreparedKafka(folder=folder, libs=libs, properties=properties, port=port)
    main = ("kafka.tools.StorageTool", "format", "-t", new_cluster_id(), "-c", str(properties))
    run(_java(prepared, JVM_FAST, main), what="Kafka storage format", cwd=folder)
    return prepared


def _java(prepared: PreparedKafka, jvm: Sequence[str], main: Sequence[str]) -> list[str]:
    return [
        find_tool("java", package="default-jre-headless"),
        *jvm,
        f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
        f"-Dkafka.logs.dir={prepared.folder}",
        "-cp",
        f"{prepared.libs}/*",
        *main,
    ]


def launch_kafka(prepared: PreparedKafka, jvm: Sequence[str] = JVM_FAST) -> KafkaServer:
    """Start the broker process without waiting for it (see `wait_kafka_ready`)."""
    argv = _java(prepared, jvm, ("kafka.Kafka", str(prepared.properties)))
    process = spawn(argv, log=prepared.log, cwd=prepared.folder)
    return KafkaServer(prepared=prepared, process=process)


def wait_kafka_ready(server: KafkaServer, timeout: float) -> None:
    """Block until the broker logged its start and answers a metadata request."""
    deadline = server.started_at + timeout
    log = server.prepared.log
    while time.monotonic() < deadline:
        code = server.process.poll()
        if code is not None:
            raise DevstackError(
                f"Kafka exited with code {code} before it was ready; log: {log}\n{tail(log)}"
            )
        if _logged_start(log) and run_coroutine(lambda: has_broker(server.bootstrap)):
            return
        time.sleep(_POLL_S)
    raise DevstackError(f"Kafka did not start in {timeout:g} s; log: {log}\n{tail(log)}")


def _logged_start(log: Path) -> bool:
    try:
        return _STARTED_LINE in log.read_text(errors="replace")
    except FileNotFoundError:
        return False


async def has_broker(bootstrap: str) -> bool:
    """Return whether a metadata request to `bootstrap` lists at least one broker."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    try:
        await admin.start()
        cluster = await admin.describe_cluster()
    except (KafkaError, OSError):
        return False
    finally:
        await admin.close()
    return bool(cluster.get("brokers"))

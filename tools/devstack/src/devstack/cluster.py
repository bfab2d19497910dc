"""A Kafka cluster of several KRaft nodes (each broker and controller) in a throwaway folder.

The fault-injection tests run the project's topics on three nodes with replication 3 and
``min.insync.replicas`` 2, kill one node under load and start it again on its data. Every
node is also a controller voter, so two of three still form the quorum.
"""

from __future__ import annotations

import shutil
import signal
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from devstack.kafka import (
    JVM_FAST,
    KafkaServer,
    PreparedKafka,
    launch_kafka,
    new_cluster_id,
    server_properties,
    wait_kafka_ready,
)
from devstack.maven import LOG4J_CONFIG, find_tool, kafka_libs
from devstack.ports import LOOPBACK, free_ports
from devstack.procs import DevstackError, run, run_coroutine, say
from devstack.topics import TopicSpecLike, create_topics, validate_specs
from devstack.workdirs import make_workdir, record_child

DEFAULT_TIMEOUT_S = 90.0
# Smaller heaps than a single test broker: three of them share the machine.
JVM_CLUSTER: tuple[str, ...] = ("-Xmx384m", *JVM_FAST[1:])


@dataclass(frozen=True)
class NodePorts:
    """The client and controller ports of one node."""

    node_id: int
    port: int
    controller_port: int


@dataclass(frozen=True)
class ClusterTopic:
    """A topic spec with the replication settings of the cluster added to its own."""

    name: str
    partitions: int
    config: Mapping[str, str]


def node_properties(
    folder: Path, node: NodePorts, nodes: Sequence[NodePorts], min_insync: int
) -> str:
    """Return server.properties for one node of the cluster (a voter, replicating internals)."""
    if not 1 <= min_insync <= len(nodes):
        raise ValueError(f"min_insync must be between 1 and {len(nodes)}, got {min_insync}")
    lines = server_properties(folder, node.port, node.controller_port).splitlines()
    settings = dict(line.split("=", 1) for line in lines)
    replicas, isr = str(len(nodes)), str(min_insync)
    settings.update({
        "node.id": str(node.node_id),
        "controller.quorum.voters": ",".join(
            f"{n.node_id}@{LOOPBACK}:{n.controller_port}" for n in nodes
        ),
        "default.replication.factor": replicas,
        "min.insync.replicas": isr,
        "offsets.topic.replication.factor": replicas,
        "transaction.state.log.replication.factor": replicas,
        "transaction.state.log.min.isr": isr,
        "share.coordinator.state.topic.replication.factor": replicas,
        "share.coordinator.state.topic.min.isr": isr,
        # A node that comes back must not lead before it has caught up (no lost writes).
        "unclean.leader.election.enable": "false",
    })  # fmt: skip
    return "".join(f"{key}={value}\n" for key, value in settings.items())


def cluster_topics(specs: Iterable[TopicSpecLike], min_insync: int) -> list[ClusterTopic]:
    """Return the specs with ``min.insync.replicas`` set, keeping their own settings."""
    return [
        ClusterTopic(s.name, s.partitions, {**s.config, "min.insync.replicas": str(min_insync)})
        for s in validate_specs(specs)
    ]


@dataclass(eq=False)
class KafkaCluster:
    """Running nodes of one cluster; a node can be killed and started again on its data."""

    workdir: Path
    prepared: list[PreparedKafka]
    servers: dict[int, KafkaServer] = field(default_factory=dict)
    jvm: Sequence[str] = JVM_CLUSTER

    @property
    def bootstrap(self) -> str:
        """Return the bootstrap list of every node (clients find the live ones)."""
        return ",".join(p.bootstrap for p in self.prepared)

    def env(self) -> dict[str, str]:
        """Return the environment variable that points services at this cluster."""
        return {"KAFKA_BOOTSTRAP_SERVERS": self.bootstrap}

    def kill(self, index: int) -> None:
        """SIGKILL one node (as a crash would) and wait for it to exit."""
        server = self.servers.pop(index, None)
        if server is None:
            raise DevstackError(f"node {index} of the cluster is not running")
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(30)

    def start(self, index: int, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        """Start one node on its data and port, and wait until it answers."""
        if index in self.servers:
            raise DevstackError(f"node {index} of the cluster is already running")
        server = launch_kafka(self.prepared[index], self.jvm)
        record_child(self.workdir, server.process.pid)
        self.servers[index] = server
        wait_kafka_ready(server, timeout)

    def stop(self) -> None:
        """Stop every node and remove the folder; safe to call twice."""
        servers, self.servers = list(self.servers.values()), {}
        for server in servers:
            server.request_stop()
        for server in servers:
            server.finish_stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


def start_cluster(
    size: int = 3,
    *,
    min_insync: int = 2,
    topics: Iterable[TopicSpecLike] = (),
    workdir: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> KafkaCluster:
    """Format and start ``size`` nodes, create the topics replicated on all of them, and wait."""
    if size < 1:
        raise ValueError(f"size must be at least 1, got {size}")
    specs = cluster_topics(topics, min_insync)
    folder = make_workdir(workdir)
    started = time.monotonic()
    ports = free_ports(2 * size)
    nodes = [NodePorts(i + 1, ports[2 * i], ports[2 * i + 1]) for i in range(size)]
    libs, cluster_id = kafka_libs(None), new_cluster_id()
    prepared = [_prepare_node(folder, libs, cluster_id, n, nodes, min_insync) for n in nodes]
    cluster = KafkaCluster(folder, prepared)
    try:
        for index, node in enumerate(prepared):
            cluster.servers[index] = launch_kafka(node, cluster.jvm)
            record_child(folder, cluster.servers[index].process.pid)
        for server in cluster.servers.values():
            wait_kafka_ready(server, timeout)
        if specs:
            run_coroutine(lambda: create_topics(cluster.bootstrap, specs, replication_factor=size))
    except BaseException:
        cluster.stop()
        raise
    say(f"cluster of {size} started in {time.monotonic() - started:.1f} s under {folder}")
    return cluster


def _prepare_node(
    folder: Path,
    libs: Path,
    cluster_id: str,
    node: NodePorts,
    nodes: Sequence[NodePorts],
    min_insync: int,
) -> PreparedKafka:
    home = folder / f"node-{node.node_id}"
    home.mkdir(parents=True)
    properties = home / "server.properties"
    properties.write_text(node_properties(home, node, nodes, min_insync))
    prepared = PreparedKafka(folder=home, libs=libs, properties=properties, port=node.port)
    argv = [
        find_tool("java", package="default-jre-headless"),
        *JVM_FAST,
        f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
        "-cp",
        f"{libs}/*",
        "kafka.tools.StorageTool",
        "format",
        "-t",
        cluster_id,
        "-c",
        str(properties),
    ]
    run(argv, what=f"Kafka storage format of node {node.node_id}", cwd=home)
    return prepared

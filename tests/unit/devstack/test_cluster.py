"""The fault-injection cluster's node settings and topic specs (pure, no broker)."""

from __future__ import annotations

from pathlib import Path

import pytest

from devstack.cluster import NodePorts, cluster_topics, node_properties
from escalations.contracts.topics import INTAKE, TopicSpec

NODES = [NodePorts(1, 9001, 9101), NodePorts(2, 9002, 9102), NodePorts(3, 9003, 9103)]


def _parse(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines())


def test_every_node_is_a_voter_and_internal_topics_replicate_on_all() -> None:
    """Node 2 names itself, lists all three voters, and replicates internals 3 with ISR 2."""
    settings = _parse(node_properties(Path("/data/node-2"), NODES[1], NODES, min_insync=2))
    assert "2" == settings["node.id"]
    assert (
        "1@127.0.0.1:9101,2@127.0.0.1:9102,3@127.0.0.1:9103" == settings["controller.quorum.voters"]
    )
    assert "PLAINTEXT://127.0.0.1:9002" == settings["advertised.listeners"]
    assert ("3", "3", "2") == (
        settings["offsets.topic.replication.factor"],
        settings["transaction.state.log.replication.factor"],
        settings["transaction.state.log.min.isr"],
    )
    assert ("2", "false") == (
        settings["min.insync.replicas"],
        settings["unclean.leader.election.enable"],
    )


@pytest.mark.parametrize("min_insync", [0, 4, -1])
def test_a_min_isr_the_cluster_cannot_meet_is_refused(min_insync: int) -> None:
    """A min ISR of zero or above the node count is refused, naming the allowed range."""
    with pytest.raises(ValueError, match="between 1 and 3"):
        node_properties(Path("/data"), NODES[0], NODES, min_insync=min_insync)


def test_topics_keep_their_settings_and_gain_min_isr() -> None:
    """A topic's own settings stay; min.insync.replicas is added."""
    (topic,) = cluster_topics([TopicSpec(INTAKE, 6, {"retention.ms": "1000"})], min_insync=2)
    assert (INTAKE, 6) == (topic.name, topic.partitions)
    assert {"retention.ms": "1000", "min.insync.replicas": "2"} == dict(topic.config)


def test_a_malformed_topic_spec_is_refused_by_name() -> None:
    """A spec with no partitions is refused before any node starts."""
    with pytest.raises(ValueError, match="'broken': partitions must be an int"):
        cluster_topics([TopicSpec("broken", 0)], min_insync=2)

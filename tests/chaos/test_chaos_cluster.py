"""A three-node Kafka cluster (replication 3, min ISR 2) loses a node under load."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import Counter
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from escalations.contracts.topics import EVENTS, INTAKE
from tests.chaos.load import Load
from tests.chaos.scene import COUNT, RATE, Scene, check
from tests.support import wait_for

pytestmark = pytest.mark.chaos


async def _replication(bootstrap: str, topic: str) -> tuple[set[int], str]:
    """Return the replica counts of a topic's partitions and its min.insync.replicas."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
        replicas = {len(p["replicas"]) for p in described["partitions"]}
        (response,) = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topic)]
        )
        entries: list[Any] = response.resources[0][4]
        min_isr = next(str(e[1]) for e in entries if e[0] == "min.insync.replicas")
        return replicas, min_isr
    finally:
        await admin.close()


def _statuses_by_second(load: Load, since: float) -> str:
    """Return, per second since ``since``, how many requests sent then got each status."""
    counts = Counter((int(a.sent_at - since), a.status) for a in load.answers if a.sent_at >= since)
    return ", ".join(f"{s}s:{status}x{n}" for (s, status), n in sorted(counts.items(), key=str))


def test_one_broker_of_three_killed_under_load(cluster_scene: Scene) -> None:
    """kill -9 of one node: the intake answers 202 or 503 only, no 202 is lost, it recovers."""
    scene, cluster = cluster_scene, cluster_scene.cluster
    assert cluster is not None
    for topic in (INTAKE, EVENTS):
        assert ({3}, "2") == asyncio.run(_replication(cluster.bootstrap, topic))
    scene.start_all()
    # Long enough to see when the intake accepts again without the node.
    load = scene.load(2 * COUNT, RATE).start()
    # By requests sent, not answered: with three replicas to acknowledge, answers lag.
    wait_for(lambda: load.sent >= COUNT // 3, timeout=30, what="the first second sent")
    cluster.kill(0)
    killed = time.monotonic()
    load.join()
    after = scene.load(COUNT // 3, RATE / 2).start()  # two nodes of three still take writes
    after.join()
    refused = [a.sent_at for a in (*load.answers, *after.answers) if a.status == 503]
    window = max(refused, default=killed) - killed
    figures = dataclasses.replace(scene.settle(load, after), recovery_s=max(0.0, window))
    print(f"after the kill: {_statuses_by_second(load, killed)}")
    check(figures, scene, load, after)
    assert after.accepted(), f"nothing accepted on the two nodes left: {after.statuses()}"

"""Kafka helpers: producer and consumer factories, publishing envelopes, topic creation."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Protocol

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from escalations.contracts.codec import topic_of
from escalations.contracts.envelope import Envelope, encode
from escalations.partitioner import partition_of

log = logging.getLogger(__name__)

TOPIC_ALREADY_EXISTS = 36
CONTENT_TYPE = ("content-type", b"application/cloudevents+json; charset=UTF-8")


class TopicLike(Protocol):
    """Anything with the attributes of ``escalations.contracts.topics.TopicSpec``."""

    @property
    def name(self) -> str: ...
    @property
    def partitions(self) -> int: ...
    @property
    def config(self) -> dict[str, str]: ...


class KafkaRecord(Protocol):
    """The fields of a consumed record we use (aiokafka ships no type information)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...


def make_producer(
    bootstrap: str, client_id: str, *, linger_ms: int = 2, max_batch_size: int = 16_384
) -> AIOKafkaProducer:
    """Return an idempotent producer (acks=all): a send resolves only once the broker has it.

    ``max_batch_size`` bounds one partition's batch: a send into a full batch waits until
    the broker has acknowledged the one before it (one request in flight per partition).
    """
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=linger_ms,
        max_batch_size=max_batch_size,
        # The default partitioner's choices, for less CPU per record (``partitioner.py``).
        partitioner=partition_of,
        request_timeout_ms=10_000,
        retry_backoff_ms=100,
    )


def make_consumer(
    bootstrap: str,
    group_id: str,
    client_id: str,
    *topics: str,
    group_instance_id: str | None = None,
) -> AIOKafkaConsumer:
    """Return a consumer with manual commits that starts from the earliest uncommitted record.

    ``group_instance_id`` makes it a static member: restarted under the same id, it gets
    its partitions back at once instead of after the group's session timeout.
    """
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=group_id,
        group_instance_id=group_instance_id,
        client_id=client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        max_poll_records=500,
        fetch_max_wait_ms=50,
    )


async def publish(producer: AIOKafkaProducer, envelope: Envelope) -> None:
    """Send one envelope to its topic, keyed by escalation id, and wait for acks=all."""
    await producer.send_and_wait(
        topic_of(envelope), value=encode(envelope), key=envelope.key, headers=[CONTENT_TYPE]
    )


async def create_topics(
    bootstrap: str, specs: Iterable[TopicLike], *, replication_factor: int = 1
) -> list[str]:
    """Create missing topics with their explicit settings; return the names created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="escalations-setup")
    await admin.start()
    try:
        new = [
            NewTopic(s.name, s.partitions, replication_factor, topic_configs=dict(s.config))
            for s in specs
        ]
        response = await admin.create_topics(new)
        created: list[str] = []
        for name, code, *rest in response.topic_errors:
            if code == 0:
                created.append(name)
            elif code != TOPIC_ALREADY_EXISTS:
                message = rest[0] if rest else ""
                raise RuntimeError(f"cannot create Kafka topic {name}: error {code} {message}")
        return created
    finally:
        await admin.close()

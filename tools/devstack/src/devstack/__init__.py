"""Start a real local Kafka (KRaft, jars from Maven Central) and PostgreSQL without Docker."""

from devstack.kafka import JVM_BENCH, JVM_FAST
from devstack.procs import DevstackError
from devstack.stack import DATABASE_ENV, KAFKA_ENV, Stack, running, start_stack, stop_all
from devstack.topics import TopicSpecLike, create_topics

__all__ = [
    "DATABASE_ENV",
    "JVM_BENCH",
    "JVM_FAST",
    "KAFKA_ENV",
    "DevstackError",
    "Stack",
    "TopicSpecLike",
    "create_topics",
    "running",
    "start_stack",
    "stop_all",
]

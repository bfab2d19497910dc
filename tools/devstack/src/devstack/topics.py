"""Create Kafka topics with explicit partition counts and settings."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError

from devstack.procs import DevstackError

_TOPIC_ALREADY_EXISTS = 36  # Kafka protocol error code


class TopicSpecLike(Protocol):
    """Anything that names a topic, its partition count and its settings."""

    @property
    def name(self) -> str: ...

    @property
    def partitions(self) -> int: ...

    @property
    def config(self) -> Mapping[str, str]: ...


def validate_specs(specs: Iterable[TopicSpecLike]) -> list[TopicSpecLike]:
    """Return the specs as a list, raising ValueError naming the first malformed one."""
    checked = []
    for spec in specs:
        name = getattr(spec, "name", None)
        if not isinstance(name, str) or not name:
            raise ValueError(f"topic spec {spec!r} needs a non-empty string `name`")
        partitions = getattr(spec, "partitions", None)
        if not isinstance(partitions, int) or isinstance(partitions, bool) or partitions < 1:
            raise ValueError(f"topic {name!r}: partitions must be an int >= 1, got {partitions!r}")
        config = getattr(spec, "config", None)
        if not isinstance(config, Mapping) or not all(
            isinstance(key, str) and isinstance(value, str) for key, value in config.items()
        ):
            raise ValueError(f"topic {name!r}: config must map str to str, got {config!r}")
        checked.append(spec)
    names = [spec.name for spec in checked]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"topic specs name these topics more than once: {duplicates}")
    return checked


async def create_topics(
    bootstrap: str,
    specs: Iterable[TopicSpecLike],
    *,
    replication_factor: int = 1,
    timeout_ms: int = 30_000,
) -> None:
    """Create each topic; one that already exists is fine, any other failure raises."""
    checked = validate_specs(specs)
    if not checked:
        return
    new_topics = [
        NewTopic(
            name=spec.name,
            num_partitions=spec.partitions,
            replication_factor=replication_factor,
            topic_configs=dict(spec.config),
        )
        for spec in checked
    ]
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=timeout_ms)
    try:
        await admin.start()
        response = await admin.create_topics(new_topics, timeout_ms=timeout_ms)
    except KafkaError as exc:
        raise DevstackError(f"could not create Kafka topics on {bootstrap}: {exc!r}") from exc
    finally:
        await admin.close()
    # aiokafka does not raise per topic: each entry is (name, code[, message]).
    failures = [
        f"{entry[0]}: error {entry[1]}" + (f" ({entry[2]})" if len(entry) > 2 and entry[2] else "")
        for entry in response.topic_errors
        if entry[1] not in (0, _TOPIC_ALREADY_EXISTS)
    ]
    if failures:
        raise DevstackError(f"could not create Kafka topics on {bootstrap}: {'; '.join(failures)}")


def load_specs(reference: str) -> Sequence[TopicSpecLike]:
    """Import `module:ATTRIBUTE` and return the topic specs it names."""
    module_name, sep, attribute = reference.partition(":")
    if not sep or not module_name or not attribute:
        raise ValueError(f"topics must be given as module:ATTRIBUTE, got {reference!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"cannot import {module_name!r} for topics: {exc}") from exc
    try:
        value = getattr(module, attribute)
    except AttributeError:
        raise ValueError(f"module {module_name!r} has no attribute {attribute!r}") from None
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValueError(f"{reference} must be a list of topic specs, got {type(value).__name__}")
    return validate_specs(value)

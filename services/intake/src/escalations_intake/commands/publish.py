"""Publishing events to Kafka: 202 only after the broker acknowledged (acks=all).

Every command of the intake ends here: ``Publisher`` is the one dependency they take to
reach the broker.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from prometheus_client import Counter
from pydantic import BaseModel

from escalations.contracts.codec import build_event, topic_of
from escalations.contracts.envelope import Envelope, encode
from escalations.kafka import CONTENT_TYPE
from escalations.logs import log_context
from escalations_intake.http.problems import Problem
from escalations_intake.metrics import EVENTS_PUBLISHED, PUBLISH_FAILURES

log = logging.getLogger(__name__)

PUBLISH_TIMEOUT_S = 10.0
RETRY_AFTER_S = "5"
_HEADERS = [CONTENT_TYPE]


@dataclass(frozen=True, slots=True)
class Record:
    """An event ready for the broker: its topic, key (the subject) and encoded envelope."""

    topic: str
    event_type: str
    subject: str
    event_id: str
    value: bytes

    @classmethod
    def of(cls, envelope: Envelope) -> Record:
        """Return the record of an envelope, as ``escalations.kafka.publish`` writes it."""
        return cls(
            topic_of(envelope), envelope.type, envelope.subject, envelope.id, encode(envelope)
        )


@dataclass(frozen=True, slots=True)
class Publisher:
    """The broker's producer and how long a request waits for its acknowledgement."""

    producer: AIOKafkaProducer
    timeout_s: float = PUBLISH_TIMEOUT_S

    async def send(self, record: Record) -> None:
        """Send an encoded event and wait for acks=all; 503 with Retry-After if not taken."""
        await send_or_503(self.producer, record, self.timeout_s)

    async def publish(self, payload: BaseModel, subject: str, event_id: str | None = None) -> None:
        """Wrap a payload in its envelope and publish it; 503 if the broker does not take it."""
        event = build_event(
            payload, subject=subject, source="/intake", time=datetime.now(UTC), event_id=event_id
        )
        await publish_or_503(self.producer, event, self.timeout_s)


async def publish_or_503(
    producer: AIOKafkaProducer, envelope: Envelope, timeout_s: float = PUBLISH_TIMEOUT_S
) -> None:
    """Publish and wait for the broker; answer 503 with Retry-After if it did not take it."""
    await send_or_503(producer, Record.of(envelope), timeout_s)


async def send_or_503(
    producer: AIOKafkaProducer, record: Record, timeout_s: float = PUBLISH_TIMEOUT_S
) -> None:
    """Send an encoded event and wait for acks=all; 503 with Retry-After if not taken.

    A 503 means "not confirmed": a batch already handed to the client may still reach the
    broker later. Retrying with the same ``Idempotency-Key`` reuses the event id, so the
    router applies it once either way.
    """
    # Every line logged while the event is published carries its ids (docs/operations.md).
    with log_context(escalation_id=record.subject, event_id=record.event_id):
        try:
            # A timeout scope, not wait_for: no extra task per request.
            async with asyncio.timeout(timeout_s):
                await producer.send_and_wait(
                    record.topic, value=record.value, key=record.subject.encode(), headers=_HEADERS
                )
        except (KafkaError, TimeoutError) as exc:
            _child(PUBLISH_FAILURES, record.event_type).inc()
            log.warning("publish failed: %s", exc)
            raise _unavailable() from exc
    _child(EVENTS_PUBLISHED, record.event_type).inc()


def _unavailable() -> Problem:
    return Problem(
        503,
        "Event store unavailable",
        "the event broker did not acknowledge the event in time; retry later "
        "(with the same Idempotency-Key to make the retry exact)",
        {"Retry-After": RETRY_AFTER_S},
    )


_CHILDREN: dict[tuple[int, str], Counter] = {}


def _child(metric: Counter, event_type: str) -> Counter:
    """Return the series of ``metric`` for an event type, resolving its label once."""
    key = (id(metric), event_type)
    found = _CHILDREN.get(key)
    if found is None:
        # As many keys as event types: this only skips the labels() lookup and its lock.
        found = _CHILDREN[key] = metric.labels(event_type)
    return found

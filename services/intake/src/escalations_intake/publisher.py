"""Publishing commands to Kafka: 202 only after the broker acknowledged (acks=all)."""

from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from escalations.contracts.envelope import Envelope
from escalations.kafka import publish
from escalations_intake.metrics import EVENTS_PUBLISHED, PUBLISH_FAILURES
from escalations_intake.problems import Problem

log = logging.getLogger(__name__)

PUBLISH_TIMEOUT_S = 10.0
RETRY_AFTER_S = "5"


async def publish_or_503(producer: AIOKafkaProducer, envelope: Envelope) -> None:
    """Publish and wait for the broker; answer 503 with Retry-After if it did not take it."""
    try:
        await asyncio.wait_for(publish(producer, envelope), PUBLISH_TIMEOUT_S)
    except (KafkaError, TimeoutError) as exc:
        PUBLISH_FAILURES.labels(envelope.type).inc()
        log.warning(
            "publish failed: %s",
            exc,
            extra={"escalation_id": envelope.subject, "event_id": envelope.id},
        )
        raise Problem(
            503,
            "Event store unavailable",
            "the event broker did not acknowledge the event; nothing was stored, retry later",
            {"Retry-After": RETRY_AFTER_S},
        ) from exc
    EVENTS_PUBLISHED.labels(envelope.type).inc()

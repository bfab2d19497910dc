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


async def publish_or_503(
    producer: AIOKafkaProducer, envelope: Envelope, timeout_s: float = PUBLISH_TIMEOUT_S
) -> None:
    """Publish and wait for the broker; answer 503 with Retry-After if it did not take it.

    A 503 means "not confirmed": a batch already handed to the client may still reach the
    broker later. Retrying with the same ``Idempotency-Key`` reuses the event id, so the
    router applies it once either way.
    """
    try:
        # A timeout scope, not wait_for: no extra task per request.
        async with asyncio.timeout(timeout_s):
            await publish(producer, envelope)
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
            "the event broker did not acknowledge the event in time; retry later "
            "(with the same Idempotency-Key to make the retry exact)",
            {"Retry-After": RETRY_AFTER_S},
        ) from exc
    EVENTS_PUBLISHED.labels(envelope.type).inc()

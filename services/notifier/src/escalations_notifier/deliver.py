"""One retry wrapper for every channel: backoff with jitter, Retry-After, then the DLQ."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from aiokafka import AIOKafkaProducer

from escalations.contracts.topics import NOTIFICATIONS_DLQ
from escalations.kafka import CONTENT_TYPE
from escalations_notifier import metrics
from escalations_notifier.channels import Channel, DeliveryError, Message
from escalations_notifier.ledger import DEAD_LETTERED, SENT, Ledger

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before parking a delivery in the DLQ."""

    max_attempts: int
    base_seconds: float
    max_seconds: float

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Return the wait before the next attempt: full jitter, or what the server asked."""
        if retry_after is not None:
            return min(retry_after, self.max_seconds)
        ceiling = min(self.max_seconds, self.base_seconds * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)


class Deliverer:
    """Sends messages once each, retrying what can succeed later."""

    def __init__(
        self,
        channels: Mapping[str, Channel],
        ledger: Ledger,
        producer: AIOKafkaProducer,
        policy: RetryPolicy,
    ) -> None:
        self._channels = channels
        self._ledger = ledger
        self._producer = producer
        self._policy = policy

    @property
    def channel_names(self) -> tuple[str, ...]:
        """Return the channels this deliverer has adapters for."""
        return tuple(self._channels)

    async def deliver(self, message: Message, event_time: datetime) -> None:
        """Send unless the ledger says it was sent; park it in the DLQ if it cannot be."""
        if not await self._ledger.claim(message):
            metrics.DELIVERIES.labels(message.channel, "duplicate_skipped").inc()
            return
        channel = self._channels[message.channel]
        attempt = 0
        while True:
            attempt += 1
            try:
                await channel.send(message)
            except DeliveryError as exc:
                if not exc.retryable or attempt >= self._policy.max_attempts:
                    await self._park(message, attempt, str(exc))
                    return
                metrics.RETRIES.labels(message.channel).inc()
                metrics.DELIVERIES.labels(message.channel, "retried").inc()
                await asyncio.sleep(self._policy.delay(attempt, exc.retry_after))
                continue
            await self._ledger.finish(message, SENT, attempt, None)
            metrics.DELIVERIES.labels(message.channel, "sent").inc()
            elapsed = (datetime.now(UTC) - event_time).total_seconds()
            metrics.LATENCY.labels(message.channel).observe(max(0.0, elapsed))
            return

    async def _park(self, message: Message, attempts: int, error: str) -> None:
        record = {
            "event_id": message.event_id,
            "event_type": message.event_type,
            "escalation_id": message.escalation_id,
            "recipient": message.recipient,
            "channel": message.channel,
            "address": message.address,
            "attempts": attempts,
            "last_error": error,
            "parked_at": datetime.now(UTC).isoformat(),
            "body": message.body,
        }
        await self._producer.send_and_wait(
            NOTIFICATIONS_DLQ,
            value=orjson.dumps(record),
            key=message.escalation_id.encode(),
            headers=[CONTENT_TYPE],
        )
        await self._ledger.finish(message, DEAD_LETTERED, attempts, error)
        metrics.DELIVERIES.labels(message.channel, "dead_lettered").inc()
        metrics.DLQ_SIZE.inc()
        log.error(
            "delivery parked in %s after %d attempts: %s",
            NOTIFICATIONS_DLQ,
            attempts,
            error,
            extra={
                "escalation_id": message.escalation_id,
                "event_id": message.event_id,
                "channel": message.channel,
            },
        )

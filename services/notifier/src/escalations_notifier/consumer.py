"""The notifier's consumer loop: plan, deliver every message of a batch, then commit."""

from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import CommitFailedError

from escalations.contracts.codec import parse_payload
from escalations.contracts.envelope import EnvelopeError, decode
from escalations.core.config import Config
from escalations.kafka import KafkaRecord
from escalations_notifier import metrics
from escalations_notifier.deliver import Deliverer
from escalations_notifier.plan import plan

log = logging.getLogger(__name__)
Record = KafkaRecord


class Notifier:
    """Turns router events into deliveries."""

    def __init__(self, config: Config, deliverer: Deliverer, public_url: str) -> None:
        self._config = config
        self._deliverer = deliverer
        self._public_url = public_url
        self._available = deliverer.channel_names

    async def handle(self, record: Record) -> None:
        """Deliver everything one event asks for; undecodable events are logged and skipped."""
        try:
            envelope = decode(record.value)
            payload = parse_payload(envelope)
        except EnvelopeError as exc:
            # The router's relay wrote it, so this is a producer bug: say so loudly.
            log.error("skipping undecodable event: %s", exc, extra={"offset": record.offset})
            return
        result = plan(envelope, payload, self._config, self._available, self._public_url)
        for recipient, channel in result.unavailable:
            log.warning(
                "no adapter or contact for %s via %s",
                recipient,
                channel,
                extra={"escalation_id": envelope.subject, "event_id": envelope.id},
            )
        await asyncio.gather(*(self._deliverer.deliver(m, envelope.time) for m in result.messages))


async def consume(consumer: AIOKafkaConsumer, notifier: Notifier, stop: asyncio.Event) -> None:
    """Fetch, deliver and commit until ``stop`` is set; the batch in flight always finishes."""
    while not stop.is_set():
        batch: dict[TopicPartition, list[Record]] = await consumer.getmany(
            timeout_ms=200, max_records=200
        )
        if not batch:
            continue
        # Partitions are independent: deliver them concurrently, each in event order.
        await asyncio.gather(*(_partition(notifier, records) for records in batch.values()))
        try:
            await consumer.commit({tp: rs[-1].offset + 1 for tp, rs in batch.items()})
        except CommitFailedError as exc:
            log.warning("offset commit lost to a rebalance (the ledger prevents resends): %s", exc)
        for tp, records in batch.items():
            highwater = consumer.highwater(tp)
            if highwater is not None:
                metrics.CONSUMER_LAG.labels(str(tp.partition)).set(
                    highwater - records[-1].offset - 1
                )


async def _partition(notifier: Notifier, records: list[Record]) -> None:
    for record in records:
        await notifier.handle(record)

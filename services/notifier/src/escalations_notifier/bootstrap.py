"""The notifier's composition root."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from escalations.contracts.topics import EVENTS
from escalations.core.config import Config
from escalations.db.engine import make_engine, make_sessions
from escalations.kafka import make_consumer, make_producer
from escalations_notifier.channels import Channel
from escalations_notifier.channels.webhook import WebhookChannel
from escalations_notifier.consumer import Notifier
from escalations_notifier.deliver import Deliverer, RetryPolicy
from escalations_notifier.ledger import Ledger
from escalations_notifier.settings import NotifierSettings


@dataclass
class Deps:
    """Everything the notifier runs with."""

    settings: NotifierSettings
    engine: AsyncEngine
    consumer: AIOKafkaConsumer
    producer: AIOKafkaProducer
    http: httpx.AsyncClient
    notifier: Notifier
    ledger: Ledger

    async def check_postgres(self) -> None:
        """Raise unless Postgres answers a query."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def check_kafka(self) -> None:
        """Raise unless the broker answers a metadata request."""
        if not await self.producer.partitions_for(EVENTS):
            raise RuntimeError(f"topic {EVENTS} has no partitions")


def build(settings: NotifierSettings, config: Config) -> Deps:
    """Create clients and channels (not yet connected); call inside the running event loop."""
    engine = make_engine(settings.database_url, pool_size=10)
    ledger = Ledger(make_sessions(engine))
    http = httpx.AsyncClient(
        timeout=settings.request_timeout_seconds,
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=50),
        follow_redirects=False,
    )
    channels: dict[str, Channel] = {
        "webhook": WebhookChannel(http, settings.webhook_secret.get_secret_value().encode()),
    }
    producer = make_producer(settings.kafka_bootstrap_servers, "notifier-dlq")
    policy = RetryPolicy(
        settings.max_attempts, settings.backoff_base_seconds, settings.backoff_max_seconds
    )
    deliverer = Deliverer(channels, ledger, producer, policy)
    consumer = make_consumer(
        settings.kafka_bootstrap_servers, settings.group_id, "notifier", EVENTS
    )
    notifier = Notifier(config, deliverer, settings.public_url)
    return Deps(settings, engine, consumer, producer, http, notifier, ledger)

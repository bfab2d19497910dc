"""The notifier's composition root."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from escalations.contracts.topics import EVENTS
from escalations.core.config import Config
from escalations.db.engine import make_engine
from escalations.kafka import make_consumer, make_producer
from escalations.outages import Outages
from escalations.reload import ConfigFile
from escalations_notifier import metrics
from escalations_notifier.addresses import Addresses
from escalations_notifier.batch import Notifier
from escalations_notifier.body import Links
from escalations_notifier.breaker import Breakers
from escalations_notifier.channels import build_channels
from escalations_notifier.channels.http import HttpClients
from escalations_notifier.context_db import ContextLoader
from escalations_notifier.deliver import Deliverer, RetryPolicy
from escalations_notifier.ledger import Ledger
from escalations_notifier.plan import Planner
from escalations_notifier.retrier import Retrier
from escalations_notifier.settings import NotifierSettings
from escalations_notifier.templates import Templates


@dataclass
class Deps:
    """Everything the notifier runs with."""

    settings: NotifierSettings
    engine: AsyncEngine
    consumer: AIOKafkaConsumer
    producer: AIOKafkaProducer
    http: HttpClients
    notifier: Notifier
    retrier: Retrier
    ledger: Ledger
    config: ConfigFile
    deliverer: Deliverer
    outages: Outages
    context: ContextLoader

    async def check_postgres(self) -> None:
        """Raise unless Postgres answers a query."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def check_kafka(self) -> None:
        """Raise unless the broker answers a metadata request."""
        # A fresh request, not the producer's cached metadata: a stopped broker must show.
        metadata = await self.producer.client.fetch_all_metadata()
        if not metadata.partitions_for_topic(EVENTS):
            raise RuntimeError(f"topic {EVENTS} has no partitions")


def links_of(settings: NotifierSettings) -> Links:
    """Return how this deployment builds view and acknowledge links."""
    secret = settings.link_secret.get_secret_value().encode() if settings.link_secret else None
    return Links(settings.public_url, secret, timedelta(seconds=settings.ack_link_ttl_seconds))


def build(settings: NotifierSettings, config: Config) -> Deps:
    """Create clients and channels (not yet connected); call inside the running event loop."""
    engine = make_engine(settings.database_url, pool_size=10)
    outages = Outages(metrics.OUTAGES)
    ledger = Ledger(engine, settings.lease_seconds, settings.instance)
    http = HttpClients(settings.request_timeout_seconds, settings.connections_per_endpoint)
    channels = build_channels(settings, http, Templates())
    producer = make_producer(settings.kafka_bootstrap_servers, "notifier-dlq")
    policy = RetryPolicy(
        settings.max_attempts,
        settings.backoff_base_seconds,
        settings.backoff_max_seconds,
        settings.inline_retry_seconds,
    )
    breakers = Breakers(
        settings.breaker_failures,
        settings.breaker_open_seconds,
        on_change=metrics.set_circuit_open,
        max_open_seconds=settings.breaker_max_open_seconds,
    )
    deliverer = Deliverer(
        channels, ledger, producer, policy, breakers, settings.max_in_flight,
        outages=outages, on_recovered=lambda channel: retrier.wake(channel),
    )  # fmt: skip
    planner = Planner(config, channels, links_of(settings))
    # A reload reaches new plans and the addresses of retries; a batch being planned keeps
    # the configuration it started with (planning is synchronous).
    config_file = ConfigFile(
        settings.config_path, config, metrics=metrics.CONFIG_RELOAD, on_change=planner.use
    )
    # A static member: a restart under the same name takes its partitions back at once.
    consumer = make_consumer(
        settings.kafka_bootstrap_servers, settings.group_id, "notifier", EVENTS,
        group_instance_id=settings.instance,
    )  # fmt: skip
    # Stakeholder context and addresses come from tables others write (docs/notifier.md).
    context = ContextLoader(engine)
    notifier = Notifier(planner, ledger, deliverer, context)
    retrier = Retrier(
        ledger, deliverer, planner, settings.retry_poll_seconds, outages,
        Addresses(planner, context),
    )  # fmt: skip
    return Deps(
        settings, engine, consumer, producer, http, notifier, retrier, ledger, config_file,
        deliverer, outages, context,
    )  # fmt: skip

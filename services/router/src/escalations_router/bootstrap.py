"""The router's composition root."""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from escalations.contracts.topics import INTAKE
from escalations.core.config import Config
from escalations.db.engine import make_engine, make_sessions
from escalations.kafka import make_consumer, make_producer
from escalations_router.consumer import BatchProcessor
from escalations_router.core_decider import CoreDecider
from escalations_router.relay import Relay
from escalations_router.settings import RouterSettings


@dataclass
class Deps:
    """Everything the router runs with."""

    settings: RouterSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    consumer: AIOKafkaConsumer
    producer: AIOKafkaProducer
    processor: BatchProcessor
    relay: Relay

    async def check_postgres(self) -> None:
        """Raise unless Postgres answers a query."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def check_kafka(self) -> None:
        """Raise unless the broker answers a metadata request."""
        if not await self.producer.partitions_for(INTAKE):
            raise RuntimeError(f"topic {INTAKE} has no partitions")


def build(settings: RouterSettings, config: Config) -> Deps:
    """Create clients (not yet connected); call inside the running event loop."""
    engine = make_engine(settings.database_url, pool_size=5)
    sessions = make_sessions(engine)
    consumer = make_consumer(settings.kafka_bootstrap_servers, settings.group_id, "router", INTAKE)
    producer = make_producer(settings.kafka_bootstrap_servers, "router-relay")
    relay = Relay(
        sessions, producer, batch=settings.relay_batch, idle_seconds=settings.relay_idle_seconds
    )
    processor = BatchProcessor(sessions, CoreDecider(config))
    return Deps(settings, engine, sessions, consumer, producer, processor, relay)

"""The intake's composition root: every client and pool is built here, nothing at import."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from escalations.contracts.topics import INTAKE
from escalations.core.escalation import SourceKind
from escalations.db.engine import make_engine, make_sessions
from escalations.kafka import make_producer
from escalations_intake.auth import KeyStore, Scope, store_key
from escalations_intake.settings import IntakeSettings

log = logging.getLogger(__name__)


@dataclass
class Deps:
    """What request handlers need."""

    settings: IntakeSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    producer: AIOKafkaProducer
    keys: KeyStore

    async def check_postgres(self) -> None:
        """Raise unless Postgres answers a query."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def check_kafka(self) -> None:
        """Raise unless the broker answers a metadata request for the intake topic."""
        partitions = await self.producer.partitions_for(INTAKE)
        if not partitions:
            raise RuntimeError(f"topic {INTAKE} has no partitions")


def build(settings: IntakeSettings) -> Deps:
    """Create the engine, producer and key store (not yet connected)."""
    engine = make_engine(settings.database_url, pool_size=10)
    sessions = make_sessions(engine)
    producer = make_producer(settings.kafka_bootstrap_servers, "intake")
    return Deps(
        settings, engine, sessions, producer, KeyStore(sessions, settings.key_cache_seconds)
    )


async def start(deps: Deps) -> None:
    """Connect to Kafka and register the bootstrap key, if one is configured."""
    await deps.producer.start()
    if deps.settings.bootstrap_key is not None:
        await store_key(
            deps.sessions,
            deps.settings.bootstrap_key.get_secret_value(),
            source="admin",
            source_kind=SourceKind.INTERNAL_TOOL,
            scopes=frozenset(Scope),
            description="ESCALATIONS_BOOTSTRAP_KEY",
        )
        log.info("bootstrap key registered for source 'admin'")


async def stop(deps: Deps) -> None:
    """Flush and close the producer, then the pool."""
    await deps.producer.stop()
    await deps.engine.dispose()

"""The intake's composition root: every client and pool is built here, nothing at import."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from aiokafka import AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from escalations.audit.reloads import ReloadAudit
from escalations.contracts.topics import INTAKE
from escalations.core.escalation import SourceKind
from escalations.db.engine import make_engine, make_sessions
from escalations.outages import Outages
from escalations.outages import watch as watch_dependencies
from escalations.partitioner import partition_of
from escalations_intake import metrics
from escalations_intake.auth.api_keys import KeyStore, Scope, store_key
from escalations_intake.auth.guard import Guard
from escalations_intake.auth.rate_limit import TokenBuckets
from escalations_intake.commands.act import RequestAction
from escalations_intake.commands.create import CreateEscalation, RecentIds
from escalations_intake.commands.publish import Publisher
from escalations_intake.config_source import CHECK_EVERY_S, ConfigSource
from escalations_intake.db.idempotency import IdempotencyStore
from escalations_intake.db.incarnations import LatestIncarnations, LookupConnection, lookup_engine
from escalations_intake.identity.flow import Identity
from escalations_intake.identity.flow import build as build_identity
from escalations_intake.identity.session_auth import CookieSessions, purge_loop
from escalations_intake.settings import IntakeSettings

log = logging.getLogger(__name__)
PURGE_EVERY_S = 600.0


@dataclass
class Intake:
    """The running intake: its clients, and the pieces requests get (see ``http.deps``).

    Handlers never take this whole: each declares the few pieces it uses.
    """

    settings: IntakeSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    producer: AIOKafkaProducer
    lookups: LookupConnection
    config: ConfigSource
    guard: Guard
    idempotency: IdempotencyStore
    publisher: Publisher
    create: CreateEscalation
    act: RequestAction
    identity: Identity
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    # Dependencies this worker cannot reach now, seen by its probe (escalations.outages).
    outages: Outages = field(default_factory=lambda: Outages(metrics.OUTAGES))

    async def check_postgres(self) -> None:
        """Raise unless Postgres answers a query."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def check_kafka(self) -> None:
        """Raise unless a broker answers a metadata request now, listing the intake topic."""
        # A fresh request, not the producer's cached metadata: a stopped broker must show.
        metadata = await self.producer.client.fetch_all_metadata()
        if not metadata.partitions_for_topic(INTAKE):
            raise RuntimeError(f"topic {INTAKE} has no partitions")


def make_producer(settings: IntakeSettings) -> AIOKafkaProducer:
    """Return the idempotent acks=all producer, batching concurrent requests together."""
    timeout_ms = int(settings.publish_timeout_seconds * 1000)
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id="intake",
        enable_idempotence=True,
        acks="all",
        # Concurrent requests share a batch: a few ms of linger buys far fewer broker requests.
        linger_ms=settings.kafka_linger_ms,
        max_batch_size=settings.kafka_max_batch_bytes,
        # A batch the broker has not taken within the publish timeout fails instead of
        # lingering: the request that waits for it answers 503 and nothing is sent later.
        request_timeout_ms=timeout_ms,
        retry_backoff_ms=100,
        metadata_max_age_ms=60_000,
        # The default partitioner's choices, for less CPU per record.
        partitioner=partition_of,
    )


def build(settings: IntakeSettings) -> Intake:
    """Create the engine, producer, key store, limiter and commands (not yet connected)."""
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    sessions = make_sessions(engine)
    lookups = LookupConnection(lookup_engine(settings.database_url))
    producer = make_producer(settings)
    publisher = Publisher(producer, settings.publish_timeout_seconds)
    limiter = TokenBuckets(settings.rate_for, settings.rate_limit_burst_seconds, settings.workers)
    incarnations = LatestIncarnations(lookups.latest_of)
    config = ConfigSource(settings.config_path)
    return Intake(
        settings=settings,
        engine=engine,
        sessions=sessions,
        producer=producer,
        lookups=lookups,
        config=config,
        guard=Guard(
            KeyStore(sessions, settings.key_cache_seconds), limiter, CookieSessions(sessions)
        ),
        idempotency=IdempotencyStore(
            engine, settings.idempotency_ttl_seconds, settings.idempotency_wait_seconds
        ),
        publisher=publisher,
        create=CreateEscalation(
            publisher, incarnations, RecentIds(), settings.retry_window_seconds
        ),
        act=RequestAction(sessions, publisher),
        identity=build_identity(settings, sessions, config),
    )


async def start(intake: Intake) -> None:
    """Connect to Kafka, register the bootstrap key, and start purging expired keys."""
    await intake.producer.start()
    if intake.settings.bootstrap_key is not None:
        await store_key(
            intake.sessions,
            intake.settings.bootstrap_key.get_secret_value(),
            source="admin",
            source_kind=SourceKind.INTERNAL_TOOL,
            scopes=frozenset(Scope),
            description="ESCALATIONS_BOOTSTRAP_KEY",
        )
        log.info("bootstrap key registered for source 'admin'")
    intake.tasks.append(asyncio.create_task(_purge_loop(intake.idempotency)))
    intake.tasks.append(asyncio.create_task(purge_loop(intake.sessions), name="sessions"))
    path = str(intake.settings.config_path)
    intake.config.file.on_outcome = ReloadAudit(intake.engine, "intake", path)
    # SIGHUP reloads at once (as in the router and notifier) instead of ending the process.
    watch = intake.config.file.watch(asyncio.Event(), CHECK_EVERY_S)
    intake.tasks.append(asyncio.create_task(watch, name="config"))
    # Requests meet an outage one by one (503); this probe says since when, in /readyz and
    # in intake_dependency_up, and logs its start and end once.
    checks = {"kafka": intake.check_kafka, "postgres": intake.check_postgres}
    probe = watch_dependencies(checks, intake.outages, asyncio.Event())
    intake.tasks.append(asyncio.create_task(probe, name="dependencies"))


async def _purge_loop(store: IdempotencyStore) -> None:
    while True:
        try:
            purged = await store.purge()
        except (
            OSError,
            SQLAlchemyError,
        ) as exc:  # Postgres away for a moment: try again next round
            log.warning("idempotency purge failed: %s", exc)
        else:
            if purged:
                log.info("purged %d expired idempotency keys", purged)
        await asyncio.sleep(PURGE_EVERY_S)


async def stop(intake: Intake) -> None:
    """Stop background work, flush and close the producer, then the pool."""
    for task in intake.tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await intake.producer.stop()
    await intake.engine.dispose()
    await intake.lookups.close()

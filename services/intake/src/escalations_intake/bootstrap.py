"""The intake's composition root: every client and pool is built here, nothing at import."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from dataclasses import dataclass, field

from aiokafka import AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from escalations.contracts.topics import INTAKE
from escalations.core.escalation import SourceKind
from escalations.db.engine import make_engine, make_sessions
from escalations.outages import Outages
from escalations.outages import watch as watch_dependencies
from escalations.partitioner import partition_of
from escalations_intake import metrics
from escalations_intake.auth import KeyStore, Scope, store_key
from escalations_intake.confighold import CHECK_EVERY_S, ConfigSource
from escalations_intake.duplicates import LatestIncarnations, LookupConnection, lookup_engine
from escalations_intake.idempotency import IdempotencyStore
from escalations_intake.ratelimit import TokenBuckets
from escalations_intake.settings import IntakeSettings

log = logging.getLogger(__name__)
PURGE_EVERY_S = 600.0
RECENT_IDS = 50_000


class RecentIds:
    """Escalation ids this worker accepted lately: repeats are known duplicates at no cost."""

    def __init__(self, size: int = RECENT_IDS) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size

    def __contains__(self, esc_id: object) -> bool:
        return esc_id in self._ids

    def add(self, esc_id: str) -> None:
        """Remember an accepted id, forgetting the oldest past the size."""
        self._ids[esc_id] = None
        self._ids.move_to_end(esc_id)
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)


@dataclass
class Deps:
    """What request handlers need."""

    settings: IntakeSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    producer: AIOKafkaProducer
    keys: KeyStore
    config: ConfigSource
    limiter: TokenBuckets
    idempotency: IdempotencyStore
    lookups: LookupConnection
    incarnations: LatestIncarnations
    recent: RecentIds = field(default_factory=RecentIds)
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


def build(settings: IntakeSettings) -> Deps:
    """Create the engine, producer, key store and limiter (not yet connected)."""
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    sessions = make_sessions(engine)
    lookups = LookupConnection(lookup_engine(settings.database_url))
    return Deps(
        settings=settings,
        engine=engine,
        sessions=sessions,
        producer=make_producer(settings),
        keys=KeyStore(sessions, settings.key_cache_seconds),
        config=ConfigSource(settings.config_path),
        limiter=TokenBuckets(
            settings.rate_for, settings.rate_limit_burst_seconds, settings.workers
        ),
        idempotency=IdempotencyStore(
            engine, settings.idempotency_ttl_seconds, settings.idempotency_wait_seconds
        ),
        lookups=lookups,
        incarnations=LatestIncarnations(lookups.latest_of),
    )


async def start(deps: Deps) -> None:
    """Connect to Kafka, register the bootstrap key, and start purging expired keys."""
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
    deps.tasks.append(asyncio.create_task(_purge_loop(deps.idempotency)))
    # SIGHUP reloads at once (as in the router and notifier) instead of ending the process.
    watch = deps.config.file.watch(asyncio.Event(), CHECK_EVERY_S)
    deps.tasks.append(asyncio.create_task(watch, name="config"))
    # Requests meet an outage one by one (503); this probe says since when, in /readyz and
    # in intake_dependency_up, and logs its start and end once.
    checks = {"kafka": deps.check_kafka, "postgres": deps.check_postgres}
    probe = watch_dependencies(checks, deps.outages, asyncio.Event())
    deps.tasks.append(asyncio.create_task(probe, name="dependencies"))


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


async def stop(deps: Deps) -> None:
    """Stop background work, flush and close the producer, then the pool."""
    for task in deps.tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await deps.producer.stop()
    await deps.engine.dispose()
    await deps.lookups.close()

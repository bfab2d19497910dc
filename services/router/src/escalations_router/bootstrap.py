"""The router's composition root."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from escalations.contracts.topics import INTAKE
from escalations.core.config import Config
from escalations.kafka import make_producer
from escalations.outages import Outages
from escalations_router import metrics
from escalations_router.batch import BatchProcessor
from escalations_router.consumer import Rebalance
from escalations_router.domain.core_decider import CoreDecider
from escalations_router.postgres import db
from escalations_router.relay import Relay
from escalations_router.reload import ConfigWatcher
from escalations_router.retention import Pruner, Retention
from escalations_router.settings import RouterSettings
from escalations_router.stakeholders import StakeholderJob
from escalations_router.sweep import TimerSweeper

# Under the broker's default message size limit (1 MiB).
RELAY_BATCH_BYTES = 512 * 1024
# The relay reads unsent rows through the partial index ``ix_outbox_unsent``, which keeps
# an entry for every row it marked until vacuum removes it. An index scan in id order marks
# such entries dead the first time it meets them, and later reads skip them. The planner
# preferred a bitmap scan and a sort, which marks nothing: every read visited the heap
# again for every row marked since the last vacuum (at 1,000/s, 920 entries and 136 heap
# pages to find 10 unsent rows, 0.8 ms of Postgres time per read).
RELAY_SESSION = {"synchronous_commit": "off", "enable_bitmapscan": "off"}


@dataclass
class Deps:
    """Everything the router runs with."""

    settings: RouterSettings
    engine: AsyncEngine
    pool: db.Pool
    consumer: AIOKafkaConsumer
    producer: AIOKafkaProducer
    decider: CoreDecider
    processor: BatchProcessor
    rebalance: Rebalance
    relay: Relay
    timers: TimerSweeper
    watcher: ConfigWatcher
    pruner: Pruner
    outages: Outages
    stakeholders: StakeholderJob

    async def check_postgres(self) -> None:
        """Raise unless Postgres answers a query."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def check_kafka(self) -> None:
        """Raise unless the broker answers a metadata request."""
        # A fresh request, not the producer's cached metadata: a stopped broker must show.
        metadata = await self.producer.client.fetch_all_metadata()
        if not metadata.partitions_for_topic(INTAKE):
            raise RuntimeError(f"topic {INTAKE} has no partitions")


def _engine(url: str) -> AsyncEngine:
    """Return the engine of the readiness check: one connection, with the router's settings.

    Batches and timer sweeps use the plain asyncpg pool (``db.make_pool``) and the relay a
    connection of its own (``db.connect``); a probe must not wait behind them for one.
    """
    return create_async_engine(
        url,
        pool_size=1,
        max_overflow=1,
        connect_args={"server_settings": db.SERVER_SETTINGS},
    )


def _consumer(s: RouterSettings) -> AIOKafkaConsumer:
    """Return the intake consumer: manual commits, optional static membership."""
    return AIOKafkaConsumer(
        bootstrap_servers=s.kafka_bootstrap_servers,
        group_id=s.group_id,
        group_instance_id=s.instance_id,
        client_id=s.instance_id or "router",
        session_timeout_ms=s.session_timeout_ms,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        max_poll_records=s.max_batch,
        fetch_max_wait_ms=s.fetch_max_wait_ms,
    )


def build(settings: RouterSettings, config: Config) -> Deps:
    """Create clients (not yet connected); call inside the running event loop."""
    s = settings
    outages = Outages(metrics.OUTAGES)
    engine = _engine(s.database_url)
    # Two batches overlap (one commits while the next applies); sweeps, pruning chunks and
    # the stakeholder job's rounds are short and take one connection each.
    pool = db.make_pool(s.database_url, size=5)
    consumer = _consumer(s)
    rebalance = Rebalance()
    consumer.subscribe([INTAKE], listener=rebalance)
    # No linger: the relay appends a whole outbox batch before it yields, so the batch is
    # already together when the sender runs; waiting would only add latency.
    # Big batches: a relay round of 500 outbox rows is about 500 KB, and with the default
    # 16 KB each partition's batches went out one acknowledgement at a time.
    producer = make_producer(
        s.kafka_bootstrap_servers, "router-relay", linger_ms=0, max_batch_size=RELAY_BATCH_BYTES
    )
    relay = Relay(
        # The relay's marks need not wait for the disk: a mark lost with a Postgres crash
        # leaves a row that looks unsent, and the next leader finds it in the topic's tail
        # (``Relay.reconcile``). Every batch commit flushes them anyway, and the relay no
        # longer waits for a WAL flush of its own on each round.
        partial(db.connect, s.database_url, **RELAY_SESSION),
        producer,
        s.kafka_bootstrap_servers,
        batch=s.relay_batch,
        idle_seconds=s.relay_idle_seconds,
        settle_seconds=s.relay_settle_seconds,
        outages=outages,
    )
    decider = CoreDecider(config, timedelta(seconds=s.retry_window_seconds))
    timers = TimerSweeper(
        pool,
        decider,
        limit=s.timer_batch,
        interval=s.timer_interval_seconds,
        on_fired=relay.wake,
        outages=outages,
    )
    watcher = ConfigWatcher(s.config_path, decider, interval=s.config_poll_seconds)
    processor = BatchProcessor(pool, decider, relay)
    retention = Retention(
        outbox=timedelta(hours=s.outbox_retention_hours),
        processed_events=timedelta(hours=s.processed_events_retention_hours),
        chunk=s.prune_chunk,
    )
    pruner = Pruner(pool, retention, interval=s.prune_interval_seconds, outages=outages)
    stakeholders = StakeholderJob(
        pool,
        decider,
        interval=s.stakeholder_interval_seconds,
        reminder_batch=s.reminder_batch,
        on_sent=relay.wake,
        outages=outages,
    )
    return Deps(
        s, engine, pool, consumer, producer, decider, processor, rebalance, relay, timers,
        watcher, pruner, outages, stakeholders,
    )  # fmt: skip

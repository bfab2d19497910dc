"""Against real Postgres: retention deletes exactly the rows past it, a chunk at a time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from escalations_router import metrics, retention
from escalations_router.postgres import db
from escalations_router.retention import PRUNE_LOCK_KEY, Pruner, Retention

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
RETENTION = Retention(outbox=7 * DAY, processed_events=14 * DAY, chunk=100)


@pytest.fixture
async def pool(database: str) -> AsyncIterator[db.Pool]:
    """A router pool on emptied outbox and processed-event tables."""
    pool = await db.make_pool(database)
    await pool.execute("TRUNCATE outbox, processed_events")
    yield pool
    await pool.close()


async def _outbox(pool: db.Pool, name: str, n: int, created: datetime, sent: bool) -> None:
    await pool.executemany(
        "INSERT INTO outbox (event_id, topic, key, envelope, created_at, sent_at)"
        " VALUES ($1, 'escalations.events.v1', $2, '{}'::jsonb, $3, $4)",
        [(f"{name}-{i}", f"esc-{i}", created, created if sent else None) for i in range(n)],
    )


async def _processed(pool: db.Pool, consumer: str, name: str, n: int, at: datetime) -> None:
    await pool.executemany(
        "INSERT INTO processed_events (consumer, event_id, processed_at) VALUES ($1, $2, $3)",
        [(consumer, f"{name}-{i}", at) for i in range(n)],
    )


async def _left(pool: db.Pool) -> tuple[set[str], set[str]]:
    outbox = await pool.fetch("SELECT event_id FROM outbox")
    processed = await pool.fetch("SELECT consumer || ':' || event_id FROM processed_events")
    return (
        {r[0].rpartition("-")[0] for r in outbox},
        {r[0].rpartition("-")[0] for r in processed},
    )


async def test_deletes_published_and_processed_rows_past_retention_only(pool: db.Pool) -> None:
    """Old published rows go, in several chunks; unpublished, recent and others' rows stay."""
    await _outbox(pool, "old-sent", 250, NOW - 8 * DAY, sent=True)
    await _outbox(pool, "old-unsent", 3, NOW - 30 * DAY, sent=False)
    await _outbox(pool, "recent-sent", 20, NOW - 6 * DAY, sent=True)
    await _processed(pool, "router", "old", 230, NOW - 15 * DAY)
    await _processed(pool, "router", "recent", 20, NOW - 13 * DAY)
    await _processed(pool, "someone-else", "old", 5, NOW - 60 * DAY)
    before = {t: metrics.PRUNED.labels(t)._value.get() for t in ("outbox", "processed_events")}

    deleted = await Pruner(pool, RETENTION, interval=60).prune(NOW)

    assert deleted == {"outbox": 250, "processed_events": 230}
    assert await _left(pool) == (
        {"old-unsent", "recent-sent"},
        {"router:recent", "someone-else:old"},
    )
    assert metrics.PRUNED.labels("outbox")._value.get() - before["outbox"] == 250
    assert (
        metrics.PRUNED.labels("processed_events")._value.get() - before["processed_events"] == 230
    )
    # Nothing left past retention: the next round deletes nothing.
    assert await Pruner(pool, RETENTION, interval=60).prune(NOW) == {
        "outbox": 0,
        "processed_events": 0,
    }


async def test_one_instance_prunes_at_a_time(pool: db.Pool) -> None:
    """While another instance holds the prune lock, a round deletes nothing and returns."""
    await _outbox(pool, "old-sent", 10, NOW - 8 * DAY, sent=True)
    async with pool.acquire() as other, other.transaction():
        assert await other.fetchval("SELECT pg_try_advisory_xact_lock($1)", PRUNE_LOCK_KEY)
        deleted = await Pruner(pool, RETENTION, interval=60).prune(NOW)
    assert deleted == {"outbox": 0, "processed_events": 0}
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 10


async def test_a_round_is_bounded_and_the_rest_waits_for_the_next(
    pool: db.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backlog bigger than a round's chunks is worked off over several rounds."""
    await _outbox(pool, "old-sent", 250, NOW - 8 * DAY, sent=True)
    monkeypatch.setattr(retention, "MAX_CHUNKS_PER_ROUND", 2)
    pruner = Pruner(pool, RETENTION, interval=60)
    assert (await pruner.prune(NOW))["outbox"] == 200
    assert (await pruner.prune(NOW))["outbox"] == 50


async def test_run_prunes_until_stopped(pool: db.Pool) -> None:
    """The loop prunes at once, then every interval, and ends when asked."""
    await _outbox(pool, "old-sent", 5, datetime.now(UTC) - 8 * DAY, sent=True)
    stop = asyncio.Event()
    running = asyncio.create_task(Pruner(pool, RETENTION, interval=0.05).run(stop))
    for _ in range(100):
        if not await pool.fetchval("SELECT count(*) FROM outbox"):
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(running, timeout=5)
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 0

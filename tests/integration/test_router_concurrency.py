"""Against real Postgres: concurrent batches serialize round robin; replays are no-ops."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from devstack.stack import Stack
from escalations.core.config import loads_config
from escalations.db.engine import make_engine
from escalations_router.batch import BatchProcessor
from escalations_router.domain.core_decider import CoreDecider
from escalations_router.postgres import db
from tests.e2e.router.configs import config
from tests.integration.router_records import Record, received

pytestmark = pytest.mark.integration


def _record(offset: int, esc_id: str | None = None) -> Record:
    return received(offset, "concurrency-test", esc_id)


async def _owners(stack: Stack, ids: list[str]) -> list[str]:
    assert stack.database_url is not None
    engine = make_engine(stack.database_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT owner FROM escalations WHERE id = ANY(:ids)"), {"ids": ids}
            )
            return sorted(r[0] for r in rows)
    finally:
        await engine.dispose()


async def test_concurrent_batches_never_assign_from_a_stale_view(stack: Stack) -> None:
    """Three routers' batches at once on a three-person team: three different owners."""
    assert stack.database_url is not None
    decider = CoreDecider(loads_config(config()).config)
    pools = [await db.make_pool(stack.database_url) for _ in range(3)]
    processors = [BatchProcessor(pool, decider) for pool in pools]
    records = [_record(n) for n in range(3)]
    try:
        await asyncio.gather(*(p.process([r]) for p, r in zip(processors, records, strict=True)))
    finally:
        for pool in pools:
            await pool.close()
    ids = [r.key.decode() for r in records]
    assert ["aoife", "bruno", "chen"] == await _owners(stack, ids)


async def test_a_replayed_batch_changes_nothing(stack: Stack) -> None:
    """The same records applied twice (a crash before the offset commit) give one history."""
    assert stack.database_url is not None
    engine = make_engine(stack.database_url)
    pool = await db.make_pool(stack.database_url)
    processor = BatchProcessor(pool, CoreDecider(loads_config(config()).config))
    records = [_record(100 + n) for n in range(5)]
    try:
        await processor.process(records)
        await processor.process(records)
        async with engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT count(*) FROM escalation_history WHERE escalation_id = ANY(:ids)"),
                {"ids": [r.key.decode() for r in records]},
            )
            assert 10 == rows.scalar_one()
    finally:
        await pool.close()
        await engine.dispose()

"""Against real Postgres: row writes on the router's hot path, and plans that stay cheap."""

from __future__ import annotations

import uuid
from dataclasses import asdict, replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.orm import attributes

from devstack.stack import Stack
from escalations.db.engine import make_sessions
from escalations.db.models import EscalationRow
from escalations_router.bootstrap import _engine
from escalations_router.domain.records import Clock, Escalation
from escalations_router.postgres import db, store
from tests.support import query

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def _record(esc_id: str) -> Escalation:
    return Escalation(
        id=esc_id,
        source="rows-test",
        source_kind="internal_tool",
        status="received",
        title="Row",
        policy_area="spam",
        tier="P4",
        score=1,
        request={"title": "Row"},
        priority={"tier": "P4"},
        received_at=NOW,
        created_at=NOW,
        updated_at=NOW,
    )


def _clock(esc_id: str) -> Clock:
    return Clock(
        escalation_id=esc_id,
        started_at=NOW,
        tier="P4",
        acknowledge_seconds=300.0,
        resolve_seconds=3600.0,
        warning_share=0.75,
        progress={"level": 1},
        updated_at=NOW,
        due_at=NOW,
    )


async def test_records_are_written_and_read_back_whole(stack: Stack) -> None:
    """An escalation and its clock inserted, loaded, changed and written back read as set."""
    assert stack.database_url is not None
    esc_id = str(uuid.uuid4())
    record, clock = _record(esc_id), _clock(esc_id)
    pool = await db.make_pool(stack.database_url)
    try:
        async with pool.acquire() as connection, connection.transaction():
            await store.Writes(escalations=[record], clocks=[clock]).flush(connection)
        async with pool.acquire() as connection, connection.transaction():
            due = await store.lock_due(connection, NOW, 1000)
            loaded = (await store.lock_rows(connection, [esc_id]))[esc_id]
            timer = (await store.load_clocks(connection, [esc_id]))[esc_id]
            assert (record, clock) == (loaded, timer)
            assert record in due
            record = replace(loaded, status="assigned", owner="aoife", version=2)
            clock = replace(timer, fired=1, due_at=None)
            writes = store.Writes(changed={esc_id: record}, changed_clocks={esc_id: clock})
            await writes.flush(connection)
        async with pool.acquire() as connection, connection.transaction():
            due = await store.lock_due(connection, NOW, 1000)
            loaded = (await store.lock_rows(connection, [esc_id]))[esc_id]
            timer = (await store.load_clocks(connection, [esc_id]))[esc_id]
    finally:
        await pool.close()
    assert (record, clock) == (loaded, timer)
    assert esc_id not in {row.id for row in due}


async def test_a_loaded_row_change_is_written_by_the_session(stack: Stack) -> None:
    """Setting a column of a row loaded in a session is flushed like any tracked change."""
    assert stack.database_url is not None
    esc_id = str(uuid.uuid4())
    engine = _engine(stack.database_url)
    sessions = make_sessions(engine)
    try:
        async with sessions() as session, session.begin():
            session.add(EscalationRow(**asdict(_record(esc_id))))
        async with sessions() as session, session.begin():
            row = await session.get(EscalationRow, esc_id)
            assert row is not None
            row.status = "acknowledged"
            assert attributes.instance_state(row).modified
    finally:
        await engine.dispose()
    rows = await query(stack.database_url, "SELECT status FROM escalations WHERE id = $1", esc_id)
    assert ["acknowledged"] == [r["status"] for r in rows]


async def test_processed_events_are_keyed_by_event_id_first(stack: Stack) -> None:
    """The processed-event key leads with the event id, so the batch lookup is a key lookup."""
    assert stack.database_url is not None
    rows = await query(
        stack.database_url,
        "SELECT a.attname FROM pg_index i"
        " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
        " WHERE i.indrelid = 'processed_events'::regclass AND i.indisprimary"
        " ORDER BY array_position(i.indkey, a.attnum)",
    )
    assert ["event_id", "consumer"] == [r["attname"] for r in rows]


async def test_router_connections_plan_every_execution(stack: Stack) -> None:
    """The router's connections never keep a generic plan made while its tables were small."""
    assert stack.database_url is not None
    engine = _engine(stack.database_url)
    pool = await db.make_pool(stack.database_url)
    try:
        async with engine.connect() as conn:
            mode = (await conn.execute(text("SHOW plan_cache_mode"))).scalar_one()
        async with pool.acquire() as connection:
            pool_mode = await connection.fetchval("SHOW plan_cache_mode")
    finally:
        await pool.close()
        await engine.dispose()
    assert ("force_custom_plan", "force_custom_plan") == (mode, pool_mode)

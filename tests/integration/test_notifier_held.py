"""Held connections against real Postgres: turns, confined session settings, reconnection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from devstack.stack import Stack
from escalations.db.engine import make_engine
from escalations.db.held import HeldConnection

pytestmark = pytest.mark.integration


@pytest.fixture
async def engine(stack: Stack) -> AsyncIterator[AsyncEngine]:
    """An engine on the session's database, with a small pool (so reuse is likely)."""
    assert stack.database_url is not None
    engine = make_engine(stack.database_url, pool_size=2)
    yield engine
    await engine.dispose()


async def pooled_setting(engine: AsyncEngine) -> str:
    """Return synchronous_commit as a connection from the pool sees it."""
    async with engine.connect() as conn:
        return str((await conn.execute(text("SHOW synchronous_commit"))).scalar_one())


async def test_setup_applies_to_the_held_connection_only(engine: AsyncEngine) -> None:
    """A session setting stays on its held connection; the pool never sees it, even after."""
    default = await pooled_setting(engine)  # the test server runs with it off, production on
    relaxed, plain = (
        HeldConnection(engine, "SET synchronous_commit = local"),
        HeldConnection(engine),
    )
    try:
        held = [(await h.fetch("SHOW synchronous_commit"))[0][0] for h in (relaxed, plain)]
        during = await pooled_setting(engine)
    finally:
        await relaxed.close()
        await plain.close()
    assert (["local", default], default, default) == (held, during, await pooled_setting(engine))


async def test_concurrent_callers_take_turns(engine: AsyncEngine) -> None:
    """Statements from many tasks at once run one after another, each with its own answer."""
    held = HeldConnection(engine)
    try:
        rows = await asyncio.gather(
            *(held.fetch("SELECT $1::int FROM pg_sleep(0.005)", i) for i in range(20))
        )
    finally:
        await held.close()
    assert list(range(20)) == [r[0][0] for r in rows]


async def test_a_connection_the_server_closed_is_replaced(engine: AsyncEngine) -> None:
    """After Postgres ends the backend, the next statement runs on a new connection."""
    held = HeldConnection(engine, "SET application_name = 'held-test'")
    try:
        first = (await held.fetch("SELECT pg_backend_pid()"))[0][0]
        async with engine.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        await asyncio.sleep(0.2)  # the client notices the closed socket in the background
        second = await held.fetch("SELECT pg_backend_pid(), current_setting('application_name')")
    finally:
        await held.close()
    assert (True, "held-test") == (second[0][0] != first, second[0][1])


async def test_a_statement_that_fails_leaves_the_connection_usable(engine: AsyncEngine) -> None:
    """An SQL error is raised to the caller, and the next statement runs normally."""
    held = HeldConnection(engine)
    try:
        with pytest.raises(Exception, match="division by zero"):
            await held.fetch("SELECT 1 / $1::int", 0)
        after = await held.fetch("SELECT 2")
    finally:
        await held.close()
    assert 2 == after[0][0]


async def test_a_statement_is_committed_when_it_returns(engine: AsyncEngine) -> None:
    """No transaction is left open: another connection sees the row at once."""
    held = HeldConnection(engine)
    event_id = "held-commit-test"
    try:
        await held.fetch(
            "INSERT INTO deliveries (event_id, recipient, channel, escalation_id, status, "
            "attempts, created_at, updated_at) VALUES ($1, 'ana', 'webhook', 'x', 'sent', 1, "
            "now(), now())",
            event_id,
        )
        async with engine.connect() as conn:
            query = text("SELECT status FROM deliveries WHERE event_id = :e")
            seen = (await conn.execute(query, {"e": event_id})).scalar_one_or_none()
        await held.fetch("DELETE FROM deliveries WHERE event_id = $1", event_id)
    finally:
        await held.close()
    assert "sent" == seen

"""The duplicate lookups on a real Postgres: one held connection, queried through the driver."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from unittest.mock import patch

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from devstack.stack import Stack
from escalations.db.engine import make_engine, make_sessions
from escalations_intake.duplicates import (
    LOOKUP_ERRORS,
    LookupConnection,
    StoredIds,
    lookup_engine,
)
from tests.e2e.intake.rows import escalation_row

pytestmark = pytest.mark.integration


@pytest.fixture
async def engine(stack: Stack) -> AsyncIterator[AsyncEngine]:
    """A pool on the session's Postgres."""
    assert stack.database_url is not None
    created = make_engine(stack.database_url, pool_size=2)
    try:
        yield created
    finally:
        await created.dispose()


NAME = f"lookup-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def lookups(stack: Stack) -> AsyncIterator[LookupConnection]:
    """A lookup connection as the intake's, named so that a test can find its backend."""
    assert stack.database_url is not None
    engine = create_async_engine(
        stack.database_url,
        pool_size=1,
        max_overflow=1,
        isolation_level="AUTOCOMMIT",
        connect_args={"server_settings": {"application_name": NAME}},
    )
    held = LookupConnection(engine)
    try:
        yield held
    finally:
        await held.close()


async def _stored(engine: AsyncEngine, count: int) -> list[str]:
    rows = [escalation_row() for _ in range(count)]
    async with make_sessions(engine)() as session:
        session.add_all(rows)
        await session.commit()
    return [row.id for row in rows]


async def test_a_lookup_answers_exactly_the_stored_ids(
    engine: AsyncEngine, lookups: LookupConnection
) -> None:
    """Of the ids asked, the stored ones come back and the unknown ones do not."""
    first, second = await _stored(engine, 2)
    unknown = "00000000-0000-0000-0000-000000000000"
    assert {first, second} == set(await lookups.stored_among([first, unknown, second]))
    assert [] == list(await lookups.stored_among([unknown]))


async def test_the_intakes_lookup_pool_answers_too(engine: AsyncEngine, stack: Stack) -> None:
    """The intake's own autocommit lookup pool serves the driver-level query."""
    assert stack.database_url is not None
    (stored,) = await _stored(engine, 1)
    held = LookupConnection(lookup_engine(stack.database_url))
    try:
        assert [stored] == list(await held.stored_among([stored, "not-stored"]))
    finally:
        await held.close()


async def test_a_killed_connection_fails_one_lookup_and_the_next_reconnects(
    engine: AsyncEngine, lookups: LookupConnection
) -> None:
    """When Postgres drops the held connection, one lookup fails and the next one works."""
    (stored,) = await _stored(engine, 1)
    assert [stored] == list(await lookups.stored_among([stored]))
    async with engine.begin() as conn:
        killed = await conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = :name"
            ),
            {"name": NAME},
        )
        assert [True] == list(killed.scalars())
    # A connection already seen closed is replaced before its statement; whether the kill
    # is seen before the next lookup is a race. Let it land after that check, every time.
    with (
        patch.object(asyncpg.Connection, "is_closed", lambda _: False),
        pytest.raises(LOOKUP_ERRORS),
    ):
        await lookups.stored_among([stored])
    assert [stored] == list(await lookups.stored_among([stored]))


async def test_batched_questions_are_answered_over_the_held_connection(
    engine: AsyncEngine, lookups: LookupConnection
) -> None:
    """Questions asked together get their own answers from one query on Postgres."""
    first, second = await _stored(engine, 2)
    ids = StoredIds(lookups.stored_among, window_s=0.001)
    asked = [first, "not-stored", second, first]
    answers = await asyncio.gather(*(ids.stored(esc_id) for esc_id in asked))
    assert [True, False, True, True] == answers

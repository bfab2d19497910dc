"""The newest-escalation lookups on a real Postgres: one held connection, through the driver."""

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
from escalations.core.refire import Incarnation
from escalations.db.engine import make_engine, make_sessions
from escalations_intake.db.incarnations import (
    LOOKUP_ERRORS,
    NEWEST_SQL,
    LatestIncarnations,
    LookupConnection,
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


SOURCE = "lookup-tests"


async def _stored(engine: AsyncEngine, count: int) -> list[tuple[str, str]]:
    """Store ``count`` open escalations of new keys; return their keys."""
    rows = [escalation_row(source=SOURCE, external_id=str(uuid.uuid4())) for _ in range(count)]
    async with make_sessions(engine)() as session:
        session.add_all(rows)
        await session.commit()
    return [(row.source, str(row.external_id)) for row in rows]


async def _chain(engine: AsyncEngine, generations: int) -> tuple[tuple[str, str], list[str]]:
    """Store a key resolved ``generations - 1`` times and open again; return key and ids."""
    key = (SOURCE, str(uuid.uuid4()))
    ids = [str(uuid.uuid4()) for _ in range(generations)]
    rows = [
        escalation_row(
            id=esc_id,
            source=key[0],
            external_id=key[1],
            generation=n,
            status="assigned" if n == generations - 1 else "resolved",
            follows=ids[n - 1] if n else None,
            followed_by=ids[n + 1] if n < generations - 1 else None,
        )
        for n, esc_id in enumerate(ids)
    ]
    async with make_sessions(engine)() as session:
        session.add_all(rows)
        await session.commit()
    return key, ids


async def test_a_lookup_answers_the_newest_incarnation_of_each_stored_key(
    engine: AsyncEngine, lookups: LookupConnection
) -> None:
    """Of the keys asked, stored ones answer their newest escalation; unknown ones nothing."""
    (plain,) = await _stored(engine, 1)
    chained, ids = await _chain(engine, 3)
    unknown = (SOURCE, "never-stored")
    found = await lookups.latest_of([plain, unknown, chained])
    assert {plain, chained} == set(found)
    assert Incarnation(ids[2], 2, resolved=False) == found[chained]
    assert (0, False) == (found[plain].generation, found[plain].resolved)
    assert {} == await lookups.latest_of([unknown])


async def test_a_resolved_newest_incarnation_says_so(
    engine: AsyncEngine, lookups: LookupConnection
) -> None:
    """A key whose newest escalation is resolved answers it as resolved."""
    key, (esc_id,) = await _chain(engine, 1)
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE escalations SET status = 'resolved' WHERE id = :id"), {"id": esc_id}
        )
    assert {key: Incarnation(esc_id, 0, resolved=True)} == await lookups.latest_of([key])


async def test_the_same_external_id_of_another_source_is_another_key(
    engine: AsyncEngine, lookups: LookupConnection
) -> None:
    """Keys match on source and external id together, never on one alone."""
    (key,) = await _stored(engine, 1)
    assert {} == await lookups.latest_of([("another-source", key[1])])


async def test_the_intakes_lookup_pool_answers_too(engine: AsyncEngine, stack: Stack) -> None:
    """The intake's own autocommit lookup pool serves the driver-level query."""
    assert stack.database_url is not None
    (stored,) = await _stored(engine, 1)
    held = LookupConnection(lookup_engine(stack.database_url))
    try:
        assert [stored] == list(await held.latest_of([stored, (SOURCE, "not-stored")]))
    finally:
        await held.close()


async def test_a_killed_connection_fails_one_lookup_and_the_next_reconnects(
    engine: AsyncEngine, lookups: LookupConnection
) -> None:
    """When Postgres drops the held connection, one lookup fails and the next one works."""
    (stored,) = await _stored(engine, 1)
    assert [stored] == list(await lookups.latest_of([stored]))
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
        await lookups.latest_of([stored])
    assert [stored] == list(await lookups.latest_of([stored]))


async def test_batched_questions_are_answered_over_the_held_connection(
    engine: AsyncEngine, lookups: LookupConnection
) -> None:
    """Questions asked together get their own answers from one query on Postgres."""
    first, second = await _stored(engine, 2)
    ids = LatestIncarnations(lookups.latest_of, window_s=0.001)
    asked = [first, (SOURCE, "not-stored"), second, first]
    answers = await asyncio.gather(*(ids.latest(key) for key in asked))
    assert [True, False, True, True] == [answer is not None for answer in answers]


_MANY = """INSERT INTO escalations (id, source, source_kind, external_id, status, title,
  policy_area, tier, score, level, reports, request, priority, received_at, created_at,
  updated_at, version, generation)
SELECT 'plan-' || n, 'plan-source', 'monitoring', 'key-' || (n / 3), 'resolved', 't',
  'spam', 'P4', 1, 1, 1, '{}', '{}', now(), now(), now(), 1, n % 3
FROM generate_series(1, 30000) AS n"""


async def test_the_lookup_reads_the_unique_index(stack: Stack) -> None:
    """Among thousands of keys the lookup is an index scan of the key, never a table scan."""
    assert stack.database_url is not None
    conn = await asyncpg.connect(stack.database_url.replace("+asyncpg", ""))
    try:
        transaction = conn.transaction()
        await transaction.start()
        try:  # rolled back: no other test sees these rows
            await conn.execute(_MANY)
            await conn.execute("ANALYZE escalations")
            keys = (["plan-source", "plan-source"], ["key-7", "key-900"])
            plan = "\n".join(r[0] for r in await conn.fetch("EXPLAIN " + NEWEST_SQL, *keys))
            newest = await conn.fetch(NEWEST_SQL, *keys)
        finally:
            await transaction.rollback()
    finally:
        await conn.close()
    index, table = "uq_escalations_source_external_generation", "Seq Scan on escalations"
    assert (True, False) == (index in plan, table in plan), plan
    assert [("key-7", 2), ("key-900", 2)] == [(r["external_id"], r["generation"]) for r in newest]

"""The intake's Postgres stores: Idempotency-Key rows shared by all workers, and API keys."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from devstack.stack import Stack
from escalations.core.escalation import SourceKind
from escalations.db.engine import make_engine, make_sessions
from escalations.db.models import ApiKeyRow
from escalations.db.models_intake import IdempotencyRow
from escalations_intake.auth.api_keys import KeyStore, Scope, new_key, store_key
from escalations_intake.db.idempotency import IdempotencyStore, Stored
from escalations_intake.http.problems import Problem
from escalations_intake.keys import list_keys, revoke_key

pytestmark = pytest.mark.integration


@pytest.fixture
async def engine(stack: Stack) -> AsyncIterator[AsyncEngine]:
    """A pool on the session's Postgres."""
    assert stack.database_url is not None
    created = make_engine(stack.database_url, pool_size=20)
    try:
        yield created
    finally:
        await created.dispose()


def _key() -> str:
    return f"k-{uuid.uuid4()}"


async def test_first_claim_owns_then_answer_is_replayed(engine: AsyncEngine) -> None:
    """The first claim owns the key; after completion every claim gets the stored answer."""
    store, key = IdempotencyStore(engine, 3600, 2), _key()
    assert None is await store.claim("legal", key, "d1")
    await store.complete("legal", key, Stored(202, {"id": "e1"}))
    assert Stored(202, {"id": "e1"}) == await store.claim("legal", key, "d1")
    assert None is await store.claim("press", key, "d1"), "keys are per source"


async def test_concurrent_claims_have_exactly_one_owner(engine: AsyncEngine) -> None:
    """Thirty claims at once: one owns the key, the others wait and get its answer."""
    store, key = IdempotencyStore(engine, 3600, 5), _key()

    async def claim() -> Stored | None:
        result = await store.claim("legal", key, "d")
        if result is None:
            await asyncio.sleep(0.2)  # the owner's work
            await store.complete("legal", key, Stored(202, {"id": "only"}))
        return result

    results = await asyncio.gather(*(claim() for _ in range(30)))
    assert 1 == results.count(None)
    assert [Stored(202, {"id": "only"})] * 29 == [r for r in results if r is not None]


async def test_different_request_with_the_same_key_is_422(engine: AsyncEngine) -> None:
    """A key reused for another body is refused."""
    store, key = IdempotencyStore(engine, 3600, 1), _key()
    await store.claim("legal", key, "d1")
    with pytest.raises(Problem) as caught:
        await store.claim("legal", key, "d2")
    assert 422 == caught.value.status


async def test_waiting_too_long_is_409_with_retry_after(engine: AsyncEngine) -> None:
    """While the owner is still working past the wait, others get 409 and Retry-After."""
    store, key = IdempotencyStore(engine, 3600, 0.2), _key()
    await store.claim("legal", key, "d")
    with pytest.raises(Problem) as caught:
        await store.claim("legal", key, "d")
    assert (409, "1") == (caught.value.status, caught.value.headers["Retry-After"])


async def test_release_lets_a_retry_run_again(engine: AsyncEngine) -> None:
    """After a failure releases the key, the retry owns it."""
    store, key = IdempotencyStore(engine, 3600, 1), _key()
    await store.claim("legal", key, "d")
    await store.release("legal", key)
    assert None is await store.claim("legal", key, "d")


async def _age(engine: AsyncEngine, key: str, by: timedelta) -> None:
    table = IdempotencyRow.__table__  # type: ignore[attr-defined]
    async with engine.begin() as conn:
        await conn.execute(
            update(table).where(table.c.key == key).values(created_at=datetime.now(UTC) - by)
        )


async def test_abandoned_and_expired_keys_are_taken_over_and_purged(engine: AsyncEngine) -> None:
    """An owner that died is replaced after a minute; expired keys are claimable and purged."""
    store = IdempotencyStore(engine, 3600, 1)
    abandoned, expired = _key(), _key()
    await store.claim("legal", abandoned, "d")
    await _age(engine, abandoned, timedelta(minutes=5))
    assert None is await store.claim("legal", abandoned, "d")
    await store.claim("legal", expired, "d")
    await store.complete("legal", expired, Stored(202, {}))
    await _age(engine, expired, timedelta(hours=2))
    assert 1 <= await store.purge()
    assert None is await store.claim("legal", expired, "d")


async def test_key_store_caches_and_forgets_revoked_keys(engine: AsyncEngine) -> None:
    """A key works, a revoked one stops after the cache time, unknown keys are never cached."""
    sessions = make_sessions(engine)
    key, source = new_key(), f"s-{uuid.uuid4().hex[:8]}"
    await store_key(
        sessions, key, source=source, source_kind=SourceKind.PRESS, scopes=frozenset({Scope.READ})
    )
    keys = KeyStore(sessions, ttl_s=0.2)
    principal = await keys.principal(key)
    assert principal is not None
    assert (source, SourceKind.PRESS) == (principal.source, principal.source_kind)
    assert 1 == await revoke_key(sessions, key[:12])
    assert principal == await keys.principal(key), "still cached"
    await asyncio.sleep(0.25)
    assert None is await keys.principal(key)
    assert None is await keys.principal("esk_unknown")
    rows = [r for r in await list_keys(sessions) if r.source == source]
    assert 1 == len(rows)
    assert rows[0].revoked_at is not None
    assert key != rows[0].key_hash


async def test_storing_the_same_key_twice_changes_nothing(engine: AsyncEngine) -> None:
    """Registering the bootstrap key on every start keeps one row."""
    sessions = make_sessions(engine)
    key = new_key()
    for _ in range(2):
        await store_key(
            sessions,
            key,
            source="admin",
            source_kind=SourceKind.INTERNAL_TOOL,
            scopes=frozenset(Scope),
        )
    rows = [r for r in await list_keys(sessions) if r.key_prefix == key[:12]]
    assert 1 == len(rows)
    table = ApiKeyRow.__table__  # type: ignore[attr-defined]
    assert "key_hash" in table.c

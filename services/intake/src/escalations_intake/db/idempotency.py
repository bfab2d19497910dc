"""``Idempotency-Key``: a retried or concurrent POST gets the first answer, stored in Postgres.

The first request with a key inserts a row and owns it; when it finishes, the answer is
stored on the row. Any other request with the same key and source waits for that answer
(polling) and returns it unchanged, so a burst of identical requests publishes one event.
A failure (e.g. 503) deletes the row so a retry runs again. Rows expire after the TTL; an
owner that died leaves a row that others take over once it is older than ``STALE_AFTER_S``.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import and_, delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from escalations.contracts.ids import NAMESPACE
from escalations.db.models_intake import IdempotencyRow
from escalations_intake.http.problems import Problem

HEADER = "Idempotency-Key"
STALE_AFTER_S = 60.0
KEY_PATTERN = r"^[\x21-\x7e]{1,200}$"
_KEY = re.compile(KEY_PATTERN)
_POLL_S = (0.01, 0.02, 0.05, 0.1, 0.2)
_T = IdempotencyRow.__table__  # type: ignore[attr-defined]  # SQLModel adds it at class creation


@dataclass(frozen=True)
class Stored:
    """The first answer given for a key."""

    status_code: int
    body: dict[str, Any]


def check_key(value: str | None) -> str | None:
    """Return the header value if it is a valid key, or raise 400 naming the header."""
    if value is None or _KEY.match(value):
        return value
    raise Problem(
        400,
        "Invalid Idempotency-Key",
        f"{HEADER}: must be 1 to 200 visible ASCII characters (e.g. a UUID)",
    )


def fingerprint(method: str, path: str, body: Any) -> str:
    """Return a digest of what a request asks for, independent of JSON key order."""
    raw = orjson.dumps([method, path, body], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(raw).hexdigest()


def event_id_for(source: str, key: str, path: str) -> str:
    """Return the event id of a keyed request: a retry publishes the same event id."""
    return str(uuid.uuid5(NAMESPACE, f"event\x1f{source}\x1f{key}\x1f{path}"))


class IdempotencyStore:
    """The shared table of keys and their first answers."""

    def __init__(self, engine: AsyncEngine, ttl_s: float, wait_s: float) -> None:
        self._engine = engine
        self._ttl = timedelta(seconds=ttl_s)
        self._wait = wait_s

    async def claim(self, source: str, key: str, digest: str) -> Stored | None:
        """Own the key (return None) or return the answer the first request got."""
        deadline = time.monotonic() + self._wait
        for attempt in range(10_000):
            if await self._insert(source, key, digest):
                return None
            row = await self._read(source, key)
            if row is None:
                continue
            stored = await self._answer_of(row, source, key, digest)
            if stored is not None:
                return stored
            if row.completed_at is not None or self._stale(row.created_at):
                continue
            if time.monotonic() > deadline:
                raise Problem(
                    409,
                    "Request in progress",
                    f"{HEADER}: a request with this key is still being processed; retry",
                    {"Retry-After": "1"},
                )
            await asyncio.sleep(_POLL_S[min(attempt, len(_POLL_S) - 1)])
        raise AssertionError("unreachable")

    async def complete(self, source: str, key: str, stored: Stored) -> None:
        """Record the answer of the request that owns the key."""
        stmt = (
            update(_T)
            .where(and_(_T.c.source == source, _T.c.key == key))
            .values(status_code=stored.status_code, response=stored.body, completed_at=_now())
        )
        async with self._engine.begin() as conn:
            await conn.execute(stmt)

    async def release(self, source: str, key: str) -> None:
        """Forget a key whose request failed, so that a retry runs again."""
        async with self._engine.begin() as conn:
            await conn.execute(delete(_T).where(and_(_T.c.source == source, _T.c.key == key)))

    async def purge(self) -> int:
        """Delete expired keys; return how many."""
        async with self._engine.begin() as conn:
            result = await conn.execute(delete(_T).where(_T.c.created_at < _now() - self._ttl))
        return int(result.rowcount or 0)

    async def _insert(self, source: str, key: str, digest: str) -> bool:
        stmt = (
            insert(_T)
            .values(source=source, key=key, request_hash=digest, created_at=_now())
            .on_conflict_do_nothing(index_elements=["source", "key"])
            .returning(_T.c.key)
        )
        async with self._engine.begin() as conn:
            return (await conn.execute(stmt)).first() is not None

    async def _read(self, source: str, key: str) -> Any:
        stmt = select(_T).where(and_(_T.c.source == source, _T.c.key == key))
        async with self._engine.connect() as conn:
            return (await conn.execute(stmt)).first()

    async def _answer_of(self, row: Any, source: str, key: str, digest: str) -> Stored | None:
        expired = row.created_at < _now() - self._ttl
        if expired or (row.completed_at is None and self._stale(row.created_at)):
            await self._drop(source, key, row.created_at)
            return None
        if row.request_hash != digest:
            raise Problem(
                422,
                "Idempotency-Key reused",
                f"{HEADER}: this key was already used for a different request; use a new key",
            )
        if row.completed_at is None:
            return None
        return Stored(int(row.status_code), dict(row.response))

    def _stale(self, created_at: datetime) -> bool:
        return created_at < _now() - timedelta(seconds=max(STALE_AFTER_S, self._wait))

    async def _drop(self, source: str, key: str, created_at: datetime) -> None:
        # Only the exact row we judged stale: another request may have replaced it meanwhile.
        cond = and_(_T.c.source == source, _T.c.key == key, _T.c.created_at == created_at)
        async with self._engine.begin() as conn:
            await conn.execute(delete(_T).where(cond))


def _now() -> datetime:
    return datetime.now(UTC)

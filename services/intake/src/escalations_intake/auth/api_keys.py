"""API keys: one per source, with a source kind and scopes; only SHA-256 hashes are stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from escalations.core.escalation import SourceKind
from escalations.db.models import ApiKeyRow

KEY_PREFIX = "esk_"
MAX_CACHED_KEYS = 10_000


class Scope(StrEnum):
    """What a key may do (docs/contract/http-api.md)."""

    WRITE = "escalations:write"
    READ = "escalations:read"
    ACT = "escalations:act"
    SCHEDULES = "schedules:write"


@dataclass(frozen=True)
class Principal:
    """The authenticated source behind a request."""

    source: str
    source_kind: SourceKind
    scopes: frozenset[Scope]


def new_key() -> str:
    """Return a fresh random API key (shown once, never stored)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    """Return the stored form of a key."""
    return hashlib.sha256(key.encode()).hexdigest()


async def store_key(
    sessions: async_sessionmaker[AsyncSession],
    key: str,
    *,
    source: str,
    source_kind: SourceKind,
    scopes: frozenset[Scope],
    description: str | None = None,
) -> None:
    """Store a key's hash for a source; storing the same key again changes nothing."""
    row = {
        "id": str(uuid.uuid4()),
        "source": source,
        "source_kind": source_kind.value,
        "scopes": sorted(s.value for s in scopes),
        "key_hash": hash_key(key),
        "key_prefix": key[:12],
        "description": description,
        "created_at": datetime.now(UTC),
    }
    async with sessions() as session:
        stmt = insert(ApiKeyRow).values(**row).on_conflict_do_nothing(index_elements=["key_hash"])
        await session.exec(stmt)
        await session.commit()


class KeyStore:
    """Looks keys up by hash, caching answers briefly so auth costs no query per request.

    A revoked key stays usable for at most ``ttl_s`` on a worker that cached it. Unknown
    keys are not cached, so a flood of random keys cannot grow the cache.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], ttl_s: float) -> None:
        self._sessions = sessions
        self._ttl = ttl_s
        self._cache: dict[str, tuple[float, Principal]] = {}

    def cached(self, key: str) -> Principal | None:
        """Return the principal of a key looked up less than the cache time ago, else None."""
        hit = self._cache.get(hash_key(key))
        if hit is not None and time.monotonic() - hit[0] < self._ttl:
            return hit[1]
        return None

    async def principal(self, key: str) -> Principal | None:
        """Return the principal for a presented key, or None when unknown or revoked."""
        found = self.cached(key)
        if found is not None:
            return found
        digest = hash_key(key)
        now = time.monotonic()
        async with self._sessions() as session:
            row = (
                await session.exec(select(ApiKeyRow).where(ApiKeyRow.key_hash == digest))
            ).first()
        # The hash was looked up by index; compare again in constant time before trusting it.
        if (
            row is None
            or row.revoked_at is not None
            or not hmac.compare_digest(row.key_hash, digest)
        ):
            self._cache.pop(digest, None)
            return None
        found = Principal(row.source, SourceKind(row.source_kind), _scopes(row.scopes))
        if len(self._cache) >= MAX_CACHED_KEYS:
            self._cache.clear()
        self._cache[digest] = (now, found)
        return found


def _scopes(values: list[str]) -> frozenset[Scope]:
    return frozenset(Scope(v) for v in values if v in Scope._value2member_map_)

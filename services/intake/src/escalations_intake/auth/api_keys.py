"""API keys and personal tokens: the key store the guard asks, with its short cache.

A source has API keys (``esk_...``), each with a source kind and scopes; a person has
personal tokens (``ept_...``, ``auth.tokens``), each with scopes and an expiry. Only SHA-256
hashes of either are stored.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from escalations.core.escalation import SourceKind
from escalations.db.models import ApiKeyRow
from escalations_intake.auth.people import person_principal
from escalations_intake.auth.principal import Principal, Scope
from escalations_intake.auth.tokens import TOKEN_PREFIX
from escalations_intake.db.tokens import token_by_hash

# Principal and Scope live in ``principal``; importers of this module keep finding them here.
__all__ = ["KEY_PREFIX", "KeyStore", "Principal", "Scope", "hash_key", "new_key", "store_key"]
KEY_PREFIX = "esk_"
MAX_CACHED_KEYS = 10_000


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
    """Looks keys and tokens up by hash, caching answers briefly: no query per request.

    A revoked key or token stays usable for at most ``ttl_s`` on a worker that cached it; an
    expired token is refused from its expiry on. Unknown keys are not cached, so a flood of
    random keys cannot grow the cache.
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
        """Return the principal for a presented key or token, or None when unknown or revoked."""
        found = self.cached(key)
        if found is not None:
            return found
        digest = hash_key(key)
        now = time.monotonic()
        is_token = key.startswith(TOKEN_PREFIX)
        looked_up = await (self._token(digest) if is_token else self._key(digest))
        if looked_up is None:
            self._cache.pop(digest, None)
            return None
        found, lasts = looked_up
        if len(self._cache) >= MAX_CACHED_KEYS:
            self._cache.clear()
        # The entry lapses after the cache time, or when its token expires if that is sooner.
        self._cache[digest] = (now - max(0.0, self._ttl - lasts), found)
        return found

    async def _key(self, digest: str) -> tuple[Principal, float] | None:
        """Return the principal of a live API key, and for how long it lasts (for ever)."""
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
            return None
        principal = Principal(row.source, SourceKind(row.source_kind), _scopes(row.scopes))
        return principal, math.inf

    async def _token(self, digest: str) -> tuple[Principal, float] | None:
        """Return the person of a live personal token, and the seconds until it expires."""
        row = await token_by_hash(self._sessions, digest)
        if (
            row is None
            or row.revoked_at is not None
            or not hmac.compare_digest(row.token_hash, digest)
        ):
            return None
        left = (row.expires_at - datetime.now(UTC)).total_seconds()
        if left <= 0:
            return None
        return person_principal(row.person, _scopes(row.scopes), row.id), left


def _scopes(values: list[str]) -> frozenset[Scope]:
    return frozenset(Scope(v) for v in values if v in Scope._value2member_map_)

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
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from escalations.core.escalation import SourceKind
from escalations.db.models import ApiKeyRow
from escalations_intake.metrics import RATE_LIMITED
from escalations_intake.problems import Problem
from escalations_intake.ratelimit import TokenBuckets, retry_after

KEY_PREFIX = "esk_"
MAX_CACHED_KEYS = 10_000
BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="apiKey",
    description="An API key of a source: `Authorization: Bearer esk_...`. Each key has a "
    "source, a source kind and scopes (`escalations:write`, `escalations:read`, "
    "`escalations:act`, `schedules:write`).",
)


class Scope(StrEnum):
    """What a key may do (SPEC §2)."""

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


def bearer(request: Request) -> str | None:
    """Return the key of an ``Authorization: Bearer`` header, or None when there is none."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def authenticate(request: Request, key: str | None) -> Principal:
    """Return the principal of a presented key, or raise 401."""
    challenge = {"WWW-Authenticate": "Bearer"}
    if key is None:
        raise Problem(
            401,
            "Unauthorized",
            "missing API key: send the header `Authorization: Bearer <api key>`",
            challenge,
        )
    store: KeyStore = request.app.state.deps.keys
    principal = await store.principal(key)
    if principal is None:
        raise Problem(401, "Unauthorized", "unknown or revoked API key", challenge)
    return principal


def authorize_scope(principal: Principal, scope: Scope, purpose: str | None = None) -> None:
    """Raise 403 unless the principal holds ``scope``."""
    if scope not in principal.scopes:
        needed = f" (needed for {purpose})" if purpose else ""
        raise Problem(
            403,
            "Forbidden",
            f"this key of source '{principal.source}' lacks scope '{scope}'{needed}",
        )


def authorize(request: Request, principal: Principal, scope: Scope) -> None:
    """Raise 403 unless the principal holds ``scope``, and 429 past its source's rate."""
    authorize_scope(principal, scope)
    take_token(request.app.state.deps.limiter, principal)


def take_token(limiter: TokenBuckets, principal: Principal) -> None:
    """Take a token of the principal's source, or raise 429 with ``Retry-After``."""
    wait = limiter.take(principal.source)
    if wait is not None:
        RATE_LIMITED.labels(principal.source).inc()
        raise Problem(
            429,
            "Too many requests",
            f"source '{principal.source}' is over its rate limit; retry after the delay",
            {"Retry-After": retry_after(wait)},
        )


class KeyAuth(HTTPBearer):
    """The bearer scheme of the API document that also authenticates and authorizes.

    One dependency instead of a scheme plus a dependency on it: FastAPI documents it as
    the ``apiKey`` bearer scheme and resolves a single dependency per request.
    """

    def __init__(self, scope: Scope) -> None:
        super().__init__(
            auto_error=False, scheme_name=BEARER.scheme_name, description=BEARER.model.description
        )
        self.scope = scope

    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]  # answers the principal, not the credentials
        """Return the principal of the request's key (401), holding the scope (403, 429)."""
        principal = await authenticate(request, _presented(request))
        authorize(request, principal, self.scope)
        return principal


def _presented(request: Request) -> str | None:
    """Return the key of ``Authorization: Bearer <key>`` exactly as HTTPBearer reads it."""
    return presented_key(request.headers.get("authorization"))


def presented_key(authorization: str | None) -> str | None:
    """Return the key of an ``Authorization`` header value, or None when it presents none."""
    scheme, credentials = get_authorization_scheme_param(authorization)
    if not (authorization and scheme and credentials) or scheme.lower() != "bearer":
        return None
    return credentials.strip() or None


def require(scope: Scope) -> object:
    """Return a dependency that authenticates the caller and checks it holds ``scope``."""
    return Depends(KeyAuth(scope))


Writer = Annotated[Principal, require(Scope.WRITE)]
Reader = Annotated[Principal, require(Scope.READ)]
Actor = Annotated[Principal, require(Scope.ACT)]
Scheduler = Annotated[Principal, require(Scope.SCHEDULES)]

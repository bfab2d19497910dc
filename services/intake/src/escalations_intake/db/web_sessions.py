"""Browser sessions and sign-ins under way (``web_sessions``, ``sign_in_grants``).

A session cookie, a sign-in's ``state`` and a local sign-in link are random secrets; only
their SHA-256 is stored and looked up (docs/sign-in.md). A grant is taken by deleting it,
so each is used once, whichever intake worker or replica receives the callback.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from escalations.db.models_identity import SignInGrantRow, WebSessionRow
from escalations_intake.db import Sessions

GrantKind = Literal["oidc", "local"]
# Writing last_seen on every request would cost a write per click; once a minute is enough.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class WebSession:
    """A signed-in browser: whose, until when, and the CSRF token its writes must send."""

    id_hash: str
    person: str
    csrf_token: str
    expires_at: datetime
    last_seen: datetime


@dataclass(frozen=True, slots=True)
class Grant:
    """A taken sign-in grant: the person of a local link, or an OpenID Connect request's."""

    person: str | None
    nonce: str | None
    code_verifier: str | None
    next_path: str | None = None


def digest(secret: str) -> str:
    """Return the stored form of a cookie, state or link secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    """Return a fresh random secret (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def open_session(
    session: AsyncSession,
    person: str,
    *,
    now: datetime,
    ttl: timedelta,
    user_agent: str | None,
    client_address: str | None,
) -> tuple[str, WebSession]:
    """Add a new session to the caller's transaction; return its cookie value and itself."""
    cookie = new_secret()
    row = WebSessionRow(
        id_hash=digest(cookie),
        person=person,
        csrf_token=new_secret(),
        created_at=now,
        expires_at=now + ttl,
        last_seen=now,
        user_agent=user_agent[:300] if user_agent else None,
        client_address=client_address[:64] if client_address else None,
    )
    session.add(row)
    return cookie, _session(row)


async def find_session(sessions: Sessions, cookie: str, now: datetime) -> WebSession | None:
    """Return the live session of a cookie (noting when it was last seen), or None."""
    async with sessions() as session:
        row = await session.get(WebSessionRow, digest(cookie))
        if row is None or row.expires_at <= now:
            return None
        found = _session(row)
        if now - row.last_seen >= TOUCH_EVERY:
            await session.exec(
                update(WebSessionRow)
                .where(col(WebSessionRow.id_hash) == row.id_hash)
                .values(last_seen=now)
            )
            await session.commit()
    return found


async def close_session(session: AsyncSession, id_hash: str) -> None:
    """Delete a session in the caller's transaction (signing out)."""
    await session.exec(delete(WebSessionRow).where(col(WebSessionRow.id_hash) == id_hash))


async def put_grant(
    sessions: Sessions,
    secret: str,
    kind: GrantKind,
    *,
    now: datetime,
    ttl: timedelta,
    person: str | None = None,
    nonce: str | None = None,
    code_verifier: str | None = None,
    next_path: str | None = None,
) -> None:
    """Store a sign-in grant under the hash of ``secret``, usable once until ``now + ttl``.

    ``next_path``: the console page to return to after an OpenID Connect sign-in.
    """
    async with sessions() as session:
        session.add(
            SignInGrantRow(
                id_hash=digest(secret),
                kind=kind,
                person=person,
                nonce=nonce,
                code_verifier=code_verifier,
                next_path=next_path,
                created_at=now,
                expires_at=now + ttl,
            )
        )
        await session.commit()


async def take_grant(
    sessions: Sessions, secret: str, kind: GrantKind, now: datetime
) -> Grant | None:
    """Delete and return the live grant of ``secret``; None if unknown, used or expired."""
    table = SignInGrantRow
    statement = (
        delete(table)
        .where(col(table.id_hash) == digest(secret), col(table.kind) == kind)
        .returning(
            col(table.person),
            col(table.nonce),
            col(table.code_verifier),
            col(table.next_path),
            col(table.expires_at),
        )
    )
    async with sessions() as session:
        found = (await session.exec(statement)).first()
        await session.commit()
    if found is None or found.expires_at <= now:
        return None
    return Grant(found.person, found.nonce, found.code_verifier, found.next_path)


async def purge(sessions: Sessions, now: datetime) -> int:
    """Delete expired sessions and grants; return how many."""
    removed = 0
    async with sessions() as session:
        for table in (WebSessionRow, SignInGrantRow):
            result = await session.exec(delete(table).where(col(table.expires_at) <= now))
            removed += int(result.rowcount or 0)
        await session.commit()
    return removed


def _session(row: WebSessionRow) -> WebSession:
    return WebSession(row.id_hash, row.person, row.csrf_token, row.expires_at, row.last_seen)

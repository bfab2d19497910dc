"""Personal API tokens in Postgres (``person_tokens``): create, list, revoke, find by hash.

Only the SHA-256 of a token is stored; the token is shown once, when it is created
(docs/contract/http-api.md, "Personal API tokens"). The guard finds tokens by hash through
the key store (``auth.api_keys``), which caches them like keys.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import update
from sqlmodel import col, select

from escalations.db.models_identity import PersonTokenRow
from escalations_intake.db import Sessions


@dataclass(frozen=True)
class NewToken:
    """What a new token is: whose, what for, which scopes, until when, made by whom."""

    person: str
    description: str
    scopes: tuple[str, ...]
    expires_at: datetime
    created_by: str


async def create(sessions: Sessions, new: NewToken, digest: str, prefix: str) -> PersonTokenRow:
    """Store a new token by its SHA-256 ``digest`` and shown ``prefix``; return its row."""
    row = PersonTokenRow(
        id=str(uuid.uuid4()),
        person=new.person,
        description=new.description,
        scopes=sorted(new.scopes),
        token_hash=digest,
        token_prefix=prefix,
        created_by=new.created_by,
        created_at=datetime.now(UTC),
        expires_at=new.expires_at,
    )
    async with sessions() as session:
        session.add(row)
        await session.commit()
        await session.refresh(row)
    return row


async def listed(sessions: Sessions, person: str) -> list[PersonTokenRow]:
    """Return the person's tokens, revoked and expired ones too, newest first."""
    query = (
        select(PersonTokenRow)
        .where(PersonTokenRow.person == person)
        .order_by(col(PersonTokenRow.created_at).desc(), col(PersonTokenRow.id))
    )
    async with sessions() as session:
        return list((await session.exec(query)).all())


async def revoke(sessions: Sessions, person: str, token_id: str) -> bool | None:
    """Revoke a person's token: True if revoked now, False if it already was, None if none."""
    async with sessions() as session:
        row = await session.get(PersonTokenRow, token_id)
        if row is None or row.person != person:
            return None
        if row.revoked_at is not None:
            return False
        await session.exec(
            update(PersonTokenRow)
            .where(col(PersonTokenRow.id) == token_id)
            .values(revoked_at=datetime.now(UTC))
        )
        await session.commit()
    return True


async def token_by_hash(sessions: Sessions, digest: str) -> PersonTokenRow | None:
    """Return the token row with this SHA-256, revoked or expired ones too, or None."""
    async with sessions() as session:
        query = select(PersonTokenRow).where(PersonTokenRow.token_hash == digest)
        return (await session.exec(query)).first()

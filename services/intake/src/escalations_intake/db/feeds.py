"""Secret calendar feed URLs: create, list, revoke, and find by secret (``calendar_feeds``).

Calendar apps subscribe to a URL and cannot send headers, so the URL itself is the
credential: ``/v1/feeds/<secret>.ics``. Only the SHA-256 of the secret is stored, and the
secret is shown once, when the feed is created. A lookup goes by the hash (an index
search, not a comparison of secrets) and compares the hash found in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import update
from sqlmodel import col, select

from escalations.db.models_schedule import CalendarFeedRow
from escalations_intake.db import Sessions

FeedKind = Literal["team", "person"]
FEED_PREFIX = "ecf_"
# The longest secret ``new_secret`` makes, with room: anything longer is not one of ours.
MAX_SECRET = 80


def new_secret() -> str:
    """Return a fresh feed secret (256 bits, URL-safe)."""
    return FEED_PREFIX + secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    """Return the stored form of a secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Created:
    """A new feed and its secret (shown once)."""

    row: CalendarFeedRow
    secret: str


async def create(
    sessions: Sessions, kind: FeedKind, owner: str, description: str | None, created_by: str
) -> Created:
    """Store a new feed for a team or a person and return it with its secret."""
    secret = new_secret()
    row = CalendarFeedRow(
        id=str(uuid.uuid4()),
        kind=kind,
        owner=owner,
        secret_hash=secret_hash(secret),
        description=description,
        created_by=created_by,
        created_at=datetime.now(UTC),
    )
    async with sessions() as session:
        session.add(row)
        await session.commit()
    return Created(row, secret)


async def listed(sessions: Sessions, kind: FeedKind, owner: str) -> list[CalendarFeedRow]:
    """Return the feeds of a team or a person, revoked ones too, newest first."""
    query = (
        select(CalendarFeedRow)
        .where(CalendarFeedRow.kind == kind, CalendarFeedRow.owner == owner)
        .order_by(col(CalendarFeedRow.created_at).desc(), col(CalendarFeedRow.id))
    )
    async with sessions() as session:
        return list((await session.exec(query)).all())


async def revoke(sessions: Sessions, kind: FeedKind, owner: str, feed_id: str) -> bool:
    """Revoke a feed of this owner (a revoked one stays revoked); False if there is none."""
    async with sessions() as session:
        row = await session.get(CalendarFeedRow, feed_id)
        if row is None or (row.kind, row.owner) != (kind, owner):
            return False
        if row.revoked_at is None:
            await session.exec(
                update(CalendarFeedRow)
                .where(col(CalendarFeedRow.id) == feed_id)
                .values(revoked_at=datetime.now(UTC))
            )
            await session.commit()
    return True


async def find(sessions: Sessions, secret: str) -> CalendarFeedRow | None:
    """Return the live feed a secret opens, or None (unknown, malformed or revoked)."""
    if not secret.startswith(FEED_PREFIX) or len(secret) > MAX_SECRET:
        return None
    digest = secret_hash(secret)
    async with sessions() as session:
        row = (
            await session.exec(
                select(CalendarFeedRow).where(
                    CalendarFeedRow.secret_hash == digest,
                    col(CalendarFeedRow.revoked_at).is_(None),
                )
            )
        ).first()
    if row is None or not hmac.compare_digest(row.secret_hash, digest):
        return None
    return row

"""Where a source hears about its escalations (``source_callbacks``): set, read, clear.

One row per source: a signed callback URL and/or an e-mail address, set by an admin
(docs/contract/http-api.md, "Status callbacks"). A source is a name some API key was made
for (``api_keys.source``), revoked keys included: its escalations outlive its keys.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select

from escalations.db.models import ApiKeyRow
from escalations.db.models_stakeholders import SourceCallbackRow
from escalations_intake.db import Sessions

_T = SourceCallbackRow.__table__  # type: ignore[attr-defined]  # SQLModel adds it at class creation


async def known_sources(sessions: Sessions) -> list[str]:
    """Return the names of every source an API key was made for, sorted."""
    stmt = select(ApiKeyRow.source).distinct().order_by(col(ApiKeyRow.source))
    async with sessions() as session:
        return list((await session.exec(stmt)).all())


async def is_known(sessions: Sessions, source: str) -> bool:
    """Return whether an API key was ever made for ``source``."""
    stmt = select(ApiKeyRow.id).where(col(ApiKeyRow.source) == source).limit(1)
    async with sessions() as session:
        return (await session.exec(stmt)).first() is not None


async def get(sessions: Sessions, source: str) -> SourceCallbackRow | None:
    """Return the source's callback settings, or None when none are set."""
    async with sessions() as session:
        return await session.get(SourceCallbackRow, source)


async def put(
    sessions: Sessions, source: str, url: str | None, email: str | None, updated_by: str
) -> SourceCallbackRow:
    """Set (replace) the source's callback URL and e-mail address; return the stored row."""
    row = SourceCallbackRow(
        source=source, url=url, email=email, updated_by=updated_by, updated_at=datetime.now(UTC)
    )
    changes = {"url": url, "email": email, "updated_by": updated_by, "updated_at": row.updated_at}
    stmt = (
        insert(_T)
        .values(source=source, **changes)
        .on_conflict_do_update(index_elements=["source"], set_=changes)
    )
    async with sessions() as session:
        await session.exec(stmt)
        await session.commit()
    return row


async def clear(sessions: Sessions, source: str) -> bool:
    """Remove the source's callback settings; return False when none were set."""
    stmt = delete(SourceCallbackRow).where(col(SourceCallbackRow.source) == source)
    async with sessions() as session:
        result = await session.exec(stmt)
        await session.commit()
        return bool(result.rowcount)

"""Append to and read the ``audit_log`` table (``escalations.db.models_audit``).

``append`` runs in the caller's transaction: it takes a transaction-scoped advisory lock so
appenders queue, reads the last entry, and inserts the next one chained to it; numbers come
from that read, not a sequence, so a rolled-back append leaves no gap (docs/contract/audit.md).
``append_many`` does the same for several entries under one lock.
"""

from __future__ import annotations

import getpass
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, Table, and_, insert, or_, select, text, true
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from escalations.audit import chain
from escalations.audit.chain import GENESIS, Draft, Entry
from escalations.db.models_audit import AuditRow

# The advisory lock key of appenders: the bytes of "auditlog" as a signed 64-bit integer.
# The router takes it too, through asyncpg (``escalations_router.postgres.audit``).
AUDIT_LOCK = 7022629598041763687
_T: Table = AuditRow.__table__  # type: ignore[attr-defined]  # SQLModel adds it at class creation
# The last entry, read after taking the lock: its own statement, so that under READ COMMITTED
# it sees what the previous holder committed.
LAST_ENTRY = "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"
_LAST = text(LAST_ENTRY)
_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Filters of a read; None filters nothing. ``action`` matches it or any ``action.*``."""

    actor: str | None = None
    action: str | None = None
    subject_kind: str | None = None
    subject_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def append(
    connection: AsyncConnection | AsyncSession,
    *,
    actor: str,
    action: str,
    subject_kind: str,
    subject_id: str | None,
    detail: Mapping[str, Any],
    client_address: str | None = None,
    user_agent: str | None = None,
    at: datetime | None = None,
) -> int:
    """Append one entry in the caller's transaction (which must commit soon); return its seq."""
    draft = Draft(
        at=at if at is not None else datetime.now(UTC),
        actor=actor,
        action=action,
        subject_kind=subject_kind,
        subject_id=subject_id,
        detail=detail,
        client_address=client_address,
        user_agent=user_agent,
    )
    (seq,) = await append_many(connection, [draft])
    return seq


async def append_many(
    connection: AsyncConnection | AsyncSession, drafts: Sequence[Draft]
) -> list[int]:
    """Append ``drafts`` in order in the caller's transaction, under one lock; return their seqs.

    One lock, one read of the last entry and one insert, however many entries: a batch of
    actions (the router's, say) holds the appenders' queue no longer than one entry would.
    """
    if not drafts:
        return []
    conn = connection if isinstance(connection, AsyncConnection) else await connection.connection()
    await conn.execute(_LOCK, {"key": AUDIT_LOCK})
    last = (await conn.execute(_LAST)).first()
    seq, prev = (1, GENESIS) if last is None else (int(last.seq) + 1, str(last.hash))
    entries = chain.seal(drafts, seq, prev)
    await conn.execute(insert(_T), [asdict(entry) for entry in entries])
    return [entry.seq for entry in entries]


async def append_now(
    engine: AsyncEngine,
    *,
    actor: str,
    action: str,
    subject_kind: str,
    subject_id: str | None,
    detail: Mapping[str, Any],
    client_address: str | None = None,
    user_agent: str | None = None,
    at: datetime | None = None,
) -> int:
    """Append one entry, as ``append`` does, in a transaction of its own; return its seq."""
    async with engine.begin() as conn:
        return await append(
            conn,
            actor=actor,
            action=action,
            subject_kind=subject_kind,
            subject_id=subject_id,
            detail=detail,
            client_address=client_address,
            user_agent=user_agent,
            at=at,
        )


def cli_actor() -> str:
    """Return the actor of a command an operator runs at a shell: ``operator:<login>``."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):  # no login name in the environment or the user database
        login = "unknown"
    return f"operator:{login}"


async def page(
    engine: AsyncEngine, query: AuditQuery, limit: int, before: int | None = None
) -> tuple[list[Entry], int | None]:
    """Return up to ``limit`` entries newest first with seq below ``before``, and the next one.

    The second value is the ``before`` of the next page, or None on the last page.
    """
    conditions = _conditions(query)
    if before is not None:
        conditions.append(_T.c.seq < before)
    stmt = select(_T).where(and_(true(), *conditions)).order_by(_T.c.seq.desc()).limit(limit + 1)
    async with engine.connect() as conn:
        rows = [_entry(row._mapping) for row in await conn.execute(stmt)]
    more = len(rows) > limit
    return rows[:limit], rows[limit - 1].seq if more else None


async def iterate(
    engine: AsyncEngine, query: AuditQuery | None = None, batch: int = 1000
) -> AsyncIterator[Entry]:
    """Yield the entries matching ``query`` (default: all) in seq order, ``batch`` at a time."""
    conditions = _conditions(query or AuditQuery())
    after = 0
    async with engine.connect() as conn:
        while True:
            stmt = (
                select(_T)
                .where(and_(_T.c.seq > after, *conditions))
                .order_by(_T.c.seq)
                .limit(batch)
            )
            rows = [_entry(row._mapping) for row in await conn.execute(stmt)]
            for entry in rows:
                yield entry
            if len(rows) < batch:
                return
            after = rows[-1].seq


def _conditions(query: AuditQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    for column in ("actor", "subject_kind", "subject_id"):
        value = getattr(query, column)
        if value is not None:
            conditions.append(_T.c[column] == value)
    if query.action is not None:
        prefix = query.action.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(
            or_(_T.c.action == query.action, _T.c.action.like(prefix + ".%", escape="\\"))
        )
    if query.since is not None:
        conditions.append(_T.c.at >= query.since)
    if query.until is not None:
        conditions.append(_T.c.at < query.until)
    return conditions


_FIELDS = tuple(f.name for f in fields(Entry))


def _entry(row: RowMapping) -> Entry:
    return Entry(**{name: row[name] for name in _FIELDS})

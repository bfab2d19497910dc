"""Is this escalation id already stored? One query answers every request of a few ms.

Each create with an external id asks; asking one query per request costs more CPU than the
rest of the request. Questions wait up to ``window_s`` (while the broker acknowledges the
event anyway) and are answered together by one ``SELECT id ... WHERE id = ANY($1)``: one
statement text whatever the batch size, so it is prepared once per connection. At most one
query runs at a time; questions asked meanwhile form the next batch, so a slow database
grows the batches instead of opening more connections. The query runs on one connection
held for the purpose, straight through the driver: the SQL layer's checkout and result
handling cost several times the query itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection

from sqlalchemy import ARRAY, String, any_, bindparam, select
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlmodel import col

from escalations.db.held import DATABASE_ERRORS, HeldConnection
from escalations.db.models import EscalationRow

log = logging.getLogger(__name__)
WINDOW_S = 0.002
MAX_BATCH = 1000
_QUERY = select(col(EscalationRow.id)).where(
    col(EscalationRow.id) == any_(bindparam("ids", type_=ARRAY(String)))
)
# The driver's own form of the statement ("... = ANY ($1::VARCHAR[])"), compiled once.
_SQL = str(_QUERY.compile(dialect=asyncpg_dialect.dialect()))  # type: ignore[no-untyped-call]  # untyped upstream
Lookup = Callable[[list[str]], Awaitable[Collection[str]]]
# What a lookup raises when Postgres or the connection fails.
LOOKUP_ERRORS = DATABASE_ERRORS


def lookup_engine(database_url: str) -> AsyncEngine:
    """Return a small autocommit pool for the lookups (no BEGIN, ping or ROLLBACK)."""
    return create_async_engine(
        database_url,
        pool_size=1,
        max_overflow=1,
        pool_pre_ping=False,
        pool_reset_on_return=None,
        isolation_level="AUTOCOMMIT",
    )


class LookupConnection:
    """The lookup statement on one connection of the lookup pool, held (``db/held.py``)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._held = HeldConnection(engine)

    async def stored_among(self, ids: list[str]) -> list[str]:
        """Return which of ``ids`` are stored; a broken connection is replaced next time."""
        return [row[0] for row in await self._held.fetch(_SQL, ids)]

    async def close(self) -> None:
        """Close the connection and the pool."""
        await self._held.close()
        await self._engine.dispose()


class StoredIds:
    """Batches "is this id stored?" questions into one query per window."""

    def __init__(self, lookup: Lookup, window_s: float = WINDOW_S) -> None:
        self._lookup = lookup
        self._window = window_s
        self._pending: dict[str, list[asyncio.Future[bool]]] = {}
        self._scheduled = False
        self._running: asyncio.Task[None] | None = None

    def ask(self, esc_id: str) -> asyncio.Future[bool]:
        """Return a future of whether the router has stored this id (False if Postgres fails).

        A plain future, not a task: cancelling it withdraws the question.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        self._pending.setdefault(esc_id, []).append(future)
        if not self._scheduled and self._running is None:
            self._scheduled = True
            loop.call_later(self._window, self._flush)
        return future

    async def stored(self, esc_id: str) -> bool:
        """Return whether the router has stored this escalation (False if Postgres fails)."""
        return await self.ask(esc_id)

    def _flush(self) -> None:
        self._scheduled = False
        if not self._pending or self._running is not None:
            return
        batch, self._pending = self._pending, {}
        self._running = asyncio.get_running_loop().create_task(self._answer(batch))
        self._running.add_done_callback(self._done)

    def _done(self, _: asyncio.Task[None]) -> None:
        self._running = None
        if self._pending:
            # Questions asked while the query ran have waited at least that long already.
            self._flush()

    async def _answer(self, batch: dict[str, list[asyncio.Future[bool]]]) -> None:
        ids = list(batch)
        found: set[str] = set()
        try:
            for start in range(0, len(ids), MAX_BATCH):
                found.update(await self._lookup(ids[start : start + MAX_BATCH]))
        except LOOKUP_ERRORS as exc:
            # The answer only sets `duplicate`; the router merges repeats either way.
            log.warning("duplicate lookup failed, answering duplicate=false: %s", exc)
        finally:
            # Whatever happened (even cancellation at shutdown), no request waits forever.
            for esc_id, futures in batch.items():
                for future in futures:
                    if not future.done():
                        future.set_result(esc_id in found)

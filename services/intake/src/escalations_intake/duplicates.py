"""Is this escalation id already stored? One query answers every request of a few ms.

Each create with an external id asks; asking one query per request costs more CPU than the
rest of the request. Lookups wait up to ``window_s`` (while the broker acknowledges the
event anyway) and are answered together by ``SELECT id ... WHERE id = ANY(...)`` on a small
pool of its own that skips the ping and reset round trips of the main pool.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlmodel import col

from escalations.db.models import EscalationRow

log = logging.getLogger(__name__)
WINDOW_S = 0.002
MAX_BATCH = 1000


def lookup_engine(database_url: str) -> AsyncEngine:
    """Return a small autocommit pool for the lookups (no BEGIN, ping or ROLLBACK)."""
    return create_async_engine(
        database_url,
        pool_size=2,
        max_overflow=4,
        pool_pre_ping=False,
        pool_reset_on_return=None,
        isolation_level="AUTOCOMMIT",
    )


class StoredIds:
    """Batches "is this id stored?" questions into one query per window."""

    def __init__(self, engine: AsyncEngine, window_s: float = WINDOW_S) -> None:
        self._engine = engine
        self._window = window_s
        self._pending: dict[str, list[asyncio.Future[bool]]] = {}
        self._scheduled = False
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def engine(self) -> AsyncEngine:
        """Return the lookup pool (closed at shutdown)."""
        return self._engine

    async def stored(self, esc_id: str) -> bool:
        """Return whether the router has stored this escalation (False if Postgres fails)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        self._pending.setdefault(esc_id, []).append(future)
        if not self._scheduled:
            self._scheduled = True
            loop.call_later(self._window, self._flush)
        return await future

    def _flush(self) -> None:
        batch, self._pending, self._scheduled = self._pending, {}, False
        task = asyncio.get_running_loop().create_task(self._answer(batch))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer(self, batch: dict[str, list[asyncio.Future[bool]]]) -> None:
        ids = list(batch)
        found: set[str] = set()
        try:
            for start in range(0, len(ids), MAX_BATCH):
                chunk = ids[start : start + MAX_BATCH]
                stmt = select(col(EscalationRow.id)).where(col(EscalationRow.id).in_(chunk))
                async with self._engine.connect() as conn:
                    found.update((await conn.execute(stmt)).scalars())
        except (OSError, SQLAlchemyError) as exc:
            # The answer only sets `duplicate`; the router merges repeats either way.
            log.warning("duplicate lookup failed, answering duplicate=false: %s", exc)
        for esc_id, futures in batch.items():
            for future in futures:
                if not future.done():
                    future.set_result(esc_id in found)

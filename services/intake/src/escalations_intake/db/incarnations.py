"""The newest stored escalation of a key: one query answers every request of a few ms.

Each create with an external id asks which incarnation of ``(source, external_id)`` is the
newest (open: the report merges into it; resolved: the report opens the next one, see
docs/refires-and-retries.md, "Re-fires"). Asking one query per request costs more CPU than the
rest of the request. Questions wait up to ``window_s`` and are answered together by one
statement over two arrays, read through the ``(source, external_id, generation)`` unique
index: one statement text whatever the batch size, so it is prepared once per connection.
At most one query runs at a time; questions asked meanwhile form the next batch, so a slow
database grows the batches instead of opening more connections. The query runs on one
connection held for the purpose, straight through the driver: the SQL layer's checkout and
result handling cost several times the query itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from escalations.contracts.events import Status
from escalations.core.refire import Incarnation
from escalations.db.held import DATABASE_ERRORS, HeldConnection

log = logging.getLogger(__name__)
WINDOW_S = 0.002
MAX_BATCH = 1000
Key = tuple[str, str]  # (source, external_id)
NEWEST_SQL = """SELECT DISTINCT ON (e.source, e.external_id)
  e.source, e.external_id, e.id, e.generation, e.status
FROM escalations AS e
JOIN unnest($1::text[], $2::text[]) AS k(source, external_id)
  ON e.source = k.source AND e.external_id = k.external_id
ORDER BY e.source, e.external_id, e.generation DESC"""
Lookup = Callable[[list[Key]], Awaitable[Mapping[Key, Incarnation]]]
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

    async def latest_of(self, keys: list[Key]) -> dict[Key, Incarnation]:
        """Return the newest stored incarnation of each key that has one.

        A broken connection is replaced next time.
        """
        sources, external_ids = [k[0] for k in keys], [k[1] for k in keys]
        return {
            (source, external_id): Incarnation(esc_id, generation, status == Status.RESOLVED)
            for source, external_id, esc_id, generation, status in await self._held.fetch(
                NEWEST_SQL, sources, external_ids
            )
        }

    async def close(self) -> None:
        """Close the connection and the pool."""
        await self._held.close()
        await self._engine.dispose()


class LatestIncarnations:
    """Batches "which escalation of this key is the newest?" into one query per window."""

    def __init__(self, lookup: Lookup, window_s: float = WINDOW_S) -> None:
        self._lookup = lookup
        self._window = window_s
        self._pending: dict[Key, list[asyncio.Future[Incarnation | None]]] = {}
        self._scheduled = False
        self._running: asyncio.Task[None] | None = None

    def ask(self, key: Key) -> asyncio.Future[Incarnation | None]:
        """Return a future of the key's newest stored escalation (None if Postgres fails).

        A plain future, not a task: cancelling it withdraws the question.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Incarnation | None] = loop.create_future()
        self._pending.setdefault(key, []).append(future)
        if not self._scheduled and self._running is None:
            self._scheduled = True
            loop.call_later(self._window, self._flush)
        return future

    async def latest(self, key: Key) -> Incarnation | None:
        """Return the key's newest stored escalation (None if none, or if Postgres fails)."""
        return await self.ask(key)

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

    async def _answer(self, batch: dict[Key, list[asyncio.Future[Incarnation | None]]]) -> None:
        keys = list(batch)
        found: dict[Key, Incarnation] = {}
        try:
            for start in range(0, len(keys), MAX_BATCH):
                found.update(await self._lookup(keys[start : start + MAX_BATCH]))
        except LOOKUP_ERRORS as exc:
            # The answer only shapes the reply: the router, the single writer, merges or
            # opens the next escalation from what it has stored either way.
            log.warning("escalation lookup failed, answering as for a new key: %s", exc)
        finally:
            # Whatever happened (even cancellation at shutdown), no request waits forever.
            for key, futures in batch.items():
                for future in futures:
                    if not future.done():
                        future.set_result(found.get(key))

"""Retention: delete published outbox rows and processed-event records once they are old.

Both tables gain rows with every input event and were never emptied: at 1,000 escalations
a second that is some 86 million rows a day each, and the batch's duplicate check and the
relay's reads slow down as they grow. Kept:

* an outbox row until it has been published *and* is older than the outbox retention (7
  days by default, as long as the events topic keeps it); an unpublished row is never
  deleted, however old;
* a processed-event record for longer than the intake topic keeps the event (14 days by
  default; the settings refuse less than the topic's 7): a record deleted while its event
  can still be read again would let a replay apply it twice.

History, escalations, clocks and the people's load are never pruned. One instance prunes
at a time (a transaction-level advisory lock per chunk; the others skip their round), in
chunks of a bounded size, each its own short transaction, so neither the consumer's
batches nor the relay wait behind a long delete. Each table has a BRIN index on its
timestamp (migration 0008): a few pages, nothing to maintain per insert worth measuring,
and a round finds the old rows without reading the table.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from escalations.outages import POSTGRES, Backoff, Outages, pause
from escalations_router import metrics
from escalations_router.postgres import db, store

log = logging.getLogger(__name__)

# Any constant works; it only has to be the same for every router instance.
PRUNE_LOCK_KEY = 0x7072_756E_6572
# Rounds are bounded: a backlog of old rows (retention shortened, or a first deployment of
# this on a full database) is worked off over several rounds, not in one long burst.
MAX_CHUNKS_PER_ROUND = 50

_LOCK = "SELECT pg_try_advisory_xact_lock($1)"
# Row ids in one chunk first, then the delete by key: on a large table the select finds old
# rows through the BRIN index on the timestamp, and the delete touches just those rows.
_OUTBOX = """
DELETE FROM outbox WHERE id = ANY(ARRAY(
  SELECT id FROM outbox WHERE created_at < $1 AND sent_at < $1 LIMIT $2
))
"""
# Records are never updated, so a row's ctid stays its own until it is deleted.
_PROCESSED = """
DELETE FROM processed_events WHERE ctid = ANY(ARRAY(
  SELECT ctid FROM processed_events WHERE processed_at < $1 AND consumer = $2 LIMIT $3
))
"""


@dataclass(frozen=True)
class Retention:
    """How long each table keeps its rows, and how many rows one chunk deletes."""

    outbox: timedelta
    processed_events: timedelta
    chunk: int


class Pruner:
    """Deletes rows past their retention, a chunk per transaction."""

    def __init__(
        self,
        pool: db.Pool,
        retention: Retention,
        *,
        interval: float,
        outages: Outages | None = None,
    ) -> None:
        self._outages = outages or Outages()
        self._pool = pool
        self._retention = retention
        self._interval = interval

    async def prune(self, now: datetime | None = None) -> dict[str, int]:
        """Run one round at ``now`` (default: the current time); return the rows deleted."""
        at = now or datetime.now(UTC)
        r = self._retention
        deleted = {"outbox": 0, "processed_events": 0}
        jobs = (
            ("outbox", _OUTBOX, (at - r.outbox, r.chunk)),
            ("processed_events", _PROCESSED, (at - r.processed_events, store.CONSUMER, r.chunk)),
        )
        for table, statement, args in jobs:
            for _ in range(MAX_CHUNKS_PER_ROUND):
                n = await self._chunk(statement, args)
                if n is None:  # another instance is pruning
                    return deleted
                deleted[table] += n
                metrics.PRUNED.labels(table).inc(n)
                if n < r.chunk:
                    break
        if any(deleted.values()):
            log.info("pruned %d outbox rows and %d processed-event records", *deleted.values())
        return deleted

    async def _chunk(self, statement: str, args: tuple[object, ...]) -> int | None:
        async with self._pool.acquire() as connection, connection.transaction():
            if not await connection.fetchval(_LOCK, PRUNE_LOCK_KEY):
                return None
            status: str = await connection.execute(statement, *args)
        return int(status.split()[-1])

    async def run(self, stop: asyncio.Event) -> None:
        """Prune every interval until ``stop`` is set; Postgres outages are retried with backoff."""
        backoff = Backoff(min(0.1, self._interval), max(5.0, self._interval))
        while not stop.is_set():
            delay = self._interval
            try:
                await self.prune()
                self._outages.recovered(POSTGRES, "prune")
                backoff.reset()
            except db.ERRORS as exc:
                # One log line per outage (escalations.outages), not one per retry.
                self._outages.failed(POSTGRES, "prune", exc)
                delay = min(backoff.next(), self._interval)
            await pause(delay, stop)

"""Fire due escalation clocks: under the escalation's row lock, in one transaction.

Every router instance sweeps: it selects clocks due by now and locks their escalation rows
with ``SKIP LOCKED``, so a row that a consumer batch (or another instance's sweep) holds is
left for the next sweep instead of waited for. Under the lock it applies what is due
(``timers.advance``) and commits the row, the clock's progress and next instant, the
history and the outbox together: a firing happens once, and a crash before the commit
leaves the clock due for the next sweep.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from escalations.db.models import EscalationRow
from escalations.outages import POSTGRES, Backoff, Outages
from escalations_router import db, schedule, store
from escalations_router.core_decider import CoreDecider
from escalations_router.observe import observe
from escalations_router.timers import advance

log = logging.getLogger(__name__)

# The escalations whose clocks are due, soonest first, locked; rows another transaction
# holds are skipped, not waited for.
_DUE = """
SELECT e.* FROM escalations AS e JOIN router_clocks AS c ON c.escalation_id = e.id
WHERE c.due_at <= $1 ORDER BY c.due_at LIMIT $2 FOR UPDATE OF e SKIP LOCKED
"""


class TimerSweeper:
    """Fires due clocks, a bounded number per transaction."""

    def __init__(
        self,
        pool: db.Pool,
        decider: CoreDecider,
        *,
        limit: int,
        interval: float,
        on_fired: Callable[[], None],
        outages: Outages | None = None,
    ) -> None:
        self._outages = outages or Outages()
        self._pool = pool
        self._decider = decider
        self._limit = limit
        self._interval = interval
        self._on_fired = on_fired

    async def sweep(self, now: datetime | None = None) -> int:
        """Fire the clocks due by ``now`` (default: the current time); return how many."""
        at = now or datetime.now(UTC)
        async with self._pool.acquire() as connection, connection.transaction():
            due = db.rows_of(EscalationRow, await connection.fetch(_DUE, at, self._limit))
            if not due:
                return 0
            clocks = await store.load_clocks(connection, (row.id for row in due))
            decider = self._decider.bind(await schedule.load(connection, at))
            outcomes, writes = [], store.Writes()
            for row in due:
                clock = clocks[row.id]
                outcome = advance(row, clock, decider, at)
                writes.changed[row.id], writes.changed_clocks[row.id] = row, clock
                writes.record(row.id, outcome.changes, None, at)
                writes.enqueue_all(row.id, outcome.events, at)
                outcomes.append(outcome)
            await writes.flush(connection)
        for outcome in outcomes:
            observe(outcome, at)
        self._on_fired()
        return len(due)

    async def run(self, stop: asyncio.Event) -> None:
        """Sweep until ``stop`` is set; Postgres outages are retried with backoff."""
        backoff = Backoff(min(0.1, self._interval), max(5.0, self._interval))
        while not stop.is_set():
            delay = self._interval
            try:
                fired = await self.sweep()
                self._outages.recovered(POSTGRES, "timers")
                backoff.reset()
            except db.ERRORS as exc:
                # One log line per outage (escalations.outages), not one per retry.
                self._outages.failed(POSTGRES, "timers", exc)
                fired, delay = 0, backoff.next()
            if fired >= self._limit:
                continue  # more are due: no pause
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)

"""Fire due escalation clocks: under the escalation's row lock, in one transaction.

Every router instance sweeps: it selects clocks due by now and locks their escalation rows
with ``SKIP LOCKED``, so a row that a consumer batch (or another instance's sweep) holds is
left for the next sweep instead of waited for. Under the lock it applies what is due
(``batch.fire``) and commits the row, the clock's progress and next instant, the
history, the outbox and the audit entries of what it did together: a firing happens once,
and a crash before the commit leaves the clock due for the next sweep.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from escalations.outages import POSTGRES, Backoff, Outages
from escalations_router.batch.fire import Ledger, fire
from escalations_router.domain.core_decider import CoreDecider
from escalations_router.observe import observe
from escalations_router.postgres import db, schedule, store

log = logging.getLogger(__name__)


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
            due = await store.lock_due(connection, at, self._limit)
            if not due:
                return 0
            clocks = await store.load_clocks(connection, (row.id for row in due))
            decider = self._decider.bind(await schedule.load(connection, at))
            ledger = Ledger()
            for row in due:
                fire(ledger, row, clocks[row.id], decider, at)
            await ledger.writes.flush(connection)
        for outcome in ledger.outcomes:
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

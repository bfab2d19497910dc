"""The retry loop: sends what the ledger says is due (deferred, circuit-parked, replayed,
or left pending by a process that died), in order per stream, on any notifier instance.

At start it first makes its own instance's pending rows due (``Ledger.reclaim_own``): a
restarted notifier sends what it was sending when it died at once, marked as redeliveries,
instead of waiting out its lease. When a circuit closes again, ``wake`` makes that channel's
waiting retries due and ends the loop's pause. A Postgres outage is retried with backoff and
reported (``escalations.outages``); the loop never ends on one.
"""

from __future__ import annotations

import asyncio
import logging
import time

from escalations.db.held import DATABASE_ERRORS
from escalations.outages import POSTGRES, Backoff, Outages, pause
from escalations_notifier import metrics
from escalations_notifier.addresses import Addresses
from escalations_notifier.channels import Message
from escalations_notifier.deliver import Attempt, Deliverer
from escalations_notifier.ledger import Ledger, Stored
from escalations_notifier.plan import Planner

log = logging.getLogger(__name__)
BATCH = 200
# The recount scans the ledger (no index on status): rarely. Parking bumps the gauge live.
DLQ_REFRESH_SECONDS = 60.0
LOOP = "retry"


class Retrier:
    """Leases due rows from the ledger and delivers them."""

    def __init__(
        self,
        ledger: Ledger,
        deliverer: Deliverer,
        planner: Planner,
        poll_seconds: float,
        outages: Outages | None = None,
        addresses: Addresses | None = None,
    ) -> None:
        self._ledger = ledger
        self._deliverer = deliverer
        # Stakeholder recipients are looked up in Postgres too (addresses.py).
        self._addresses = addresses or Addresses(planner)
        self._poll = poll_seconds
        self._outages = outages or Outages()
        self._woken: set[str] = set()
        self._wake = asyncio.Event()

    def wake(self, channel: str) -> None:
        """Make the channel's waiting retries due and poll now (an endpoint is back)."""
        self._woken.add(channel)
        self._wake.set()

    async def once(self) -> int:
        """Deliver one leased batch; return how many rows it held."""
        if self._woken:
            channels = sorted(self._woken)
            await self._ledger.wake(channels)
            self._woken.difference_update(channels)
        rows = await self._ledger.lease_due(BATCH)
        # An empty address (contact removed from the configuration, subscription or callback
        # removed) is parked by run().
        found = await self._addresses.lookup((row.key[1], row.key[2]) for row in rows)
        attempts = [
            Attempt(_message(row, found.get((row.key[1], row.key[2])) or ""), row.attempts)
            for row in rows
        ]
        if attempts:
            await self._deliverer.run(attempts)
        return len(rows)

    async def reclaim(self) -> int:
        """Make this instance's unfinished rows due now; return how many (once, at start)."""
        count = await self._ledger.reclaim_own()
        if count:
            log.warning(
                "%d deliveries were in flight when this notifier (%s) stopped: sending them "
                "again now, marked as redeliveries",
                count, self._ledger.owner,
            )  # fmt: skip
        return count

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set; refresh the DLQ size gauge now and then."""
        refreshed, reclaimed, backoff = 0.0, False, Backoff()
        while not stop.is_set():
            # Outcomes this process still holds come first: leasing their rows now could
            # send them again.
            busy = self._deliverer.unrecorded > 0
            try:
                if not reclaimed:
                    await self.reclaim()
                    reclaimed = True
                if time.monotonic() - refreshed > DLQ_REFRESH_SECONDS:
                    metrics.DLQ_SIZE.set(await self._ledger.parked())
                    refreshed = time.monotonic()
                leased = 0 if busy else await self.once()
            except DATABASE_ERRORS as exc:
                self._outages.failed(POSTGRES, LOOP, exc)
                await pause(backoff.next(), stop)
                continue
            self._outages.recovered(POSTGRES, LOOP)
            backoff.reset()
            if leased < BATCH and not self._woken:
                await self._idle(stop)

    async def _idle(self, stop: asyncio.Event) -> None:
        """Wait for the poll interval, a wake-up or ``stop``, whichever comes first."""
        self._wake.clear()
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
        try:
            await asyncio.wait(waits, timeout=self._poll, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()


def _message(row: Stored, address: str) -> Message:
    event_id, recipient, channel = row.key
    return Message(
        event_id, row.event_type, row.escalation_id, recipient, channel, address, row.body,
        row.event_time, redelivery=row.redelivery,
    )  # fmt: skip

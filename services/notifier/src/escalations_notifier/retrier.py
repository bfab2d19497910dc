"""The retry loop: sends what the ledger says is due (deferred, circuit-parked, replayed,
or left pending by a process that died), in order per stream, on any notifier instance."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from escalations_notifier import metrics
from escalations_notifier.channels import Message
from escalations_notifier.deliver import Attempt, Deliverer
from escalations_notifier.ledger import Ledger, Stored
from escalations_notifier.plan import Planner

log = logging.getLogger(__name__)
BATCH = 200
# The recount scans the ledger (no index on status): rarely. Parking bumps the gauge live.
DLQ_REFRESH_SECONDS = 60.0


class Retrier:
    """Leases due rows from the ledger and delivers them."""

    def __init__(
        self, ledger: Ledger, deliverer: Deliverer, planner: Planner, poll_seconds: float
    ) -> None:
        self._ledger = ledger
        self._deliverer = deliverer
        self._planner = planner
        self._poll = poll_seconds

    async def once(self) -> int:
        """Deliver one leased batch; return how many rows it held."""
        rows = await self._ledger.lease_due(BATCH)
        # An empty address (contact removed from the configuration) is parked by run().
        address = self._planner.address
        attempts = [
            Attempt(_message(row, address(row.key[1], row.key[2]) or ""), row.attempts)
            for row in rows
        ]
        if attempts:
            await self._deliverer.run(attempts)
        return len(rows)

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set; refresh the DLQ size gauge now and then."""
        refreshed = 0.0
        while not stop.is_set():
            if time.monotonic() - refreshed > DLQ_REFRESH_SECONDS:
                metrics.DLQ_SIZE.set(await self._ledger.parked())
                refreshed = time.monotonic()
            if await self.once() < BATCH:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._poll)


def _message(row: Stored, address: str) -> Message:
    event_id, recipient, channel = row.key
    return Message(
        event_id, row.event_type, row.escalation_id, recipient, channel, address, row.body,
        row.event_time,
    )  # fmt: skip

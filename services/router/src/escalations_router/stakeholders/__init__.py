"""The stakeholder job: update reminders, shift handoffs and leads' digests, every interval.

Every router instance runs it; each message is claimed by a row inserted in the transaction
that writes it to the outbox, so whichever instance gets there first sends it and the
others find it sent (docs/router.md, "Stakeholders: reminders, handoffs, digests"). The
job reads the live configuration (``CoreDecider.config``, reloaded by ``reload``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from escalations.outages import POSTGRES, Backoff, Outages, pause
from escalations_router.domain.core_decider import CoreDecider
from escalations_router.postgres import db, schedule
from escalations_router.stakeholders.digests import send_digests
from escalations_router.stakeholders.handoffs import LOOKBACK, NOTES_BACK, send_team_handoffs
from escalations_router.stakeholders.reminders import send_reminders


@dataclass(frozen=True)
class Sent:
    """What one round sent."""

    reminders: int = 0
    handoffs: int = 0
    digests: int = 0


class StakeholderJob:
    """Runs a round every ``interval`` seconds; state lives only in Postgres."""

    def __init__(
        self,
        pool: db.Pool,
        decider: CoreDecider,
        *,
        interval: float,
        reminder_batch: int,
        on_sent: Callable[[], None],
        outages: Outages | None = None,
    ) -> None:
        self._pool = pool
        self._decider = decider
        self._interval = interval
        self._reminder_batch = reminder_batch
        self._on_sent = on_sent
        self._outages = outages or Outages()

    async def round(self, now: datetime | None = None) -> Sent:
        """Send what is due at ``now`` (default: the current time); return the counts."""
        at = now or datetime.now(UTC)
        config = self._decider.config
        reminders = await send_reminders(self._pool, config, at, self._reminder_batch)
        handoffs = await self.handoffs(at)
        digests = await send_digests(self._pool, config, at)
        sent = Sent(reminders, handoffs, digests)
        if reminders or handoffs or digests:
            self._on_sent()
        return sent

    async def handoffs(self, now: datetime) -> int:
        """Send every team's handoffs up to ``now``, one transaction per team."""
        config = self._decider.config
        async with self._pool.acquire() as connection:
            live = await schedule.load(connection, now - LOOKBACK - NOTES_BACK)
        sent = 0
        for team in config.teams:
            async with self._pool.acquire() as connection, connection.transaction():
                sent += await send_team_handoffs(connection, config, team.id, live, now)
        return sent

    async def run(self, stop: asyncio.Event) -> None:
        """Run rounds until ``stop`` is set; Postgres outages are retried with backoff."""
        backoff = Backoff(min(0.1, self._interval), max(5.0, self._interval))
        while not stop.is_set():
            delay = self._interval
            try:
                await self.round()
                self._outages.recovered(POSTGRES, "stakeholders")
                backoff.reset()
            except db.ERRORS as exc:
                # One log line per outage (escalations.outages), not one per retry.
                self._outages.failed(POSTGRES, "stakeholders", exc)
                delay = min(backoff.next(), self._interval)
            await pause(delay, stop)

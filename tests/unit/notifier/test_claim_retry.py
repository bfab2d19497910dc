"""A claim the database refuses is retried with backoff; the loop neither ends nor skips it."""

from __future__ import annotations

import asyncio

from tests.fakes.notifier import TP, Claimed, FakeNotifier, Prepared

from .test_consume import start


class OutageNotifier(FakeNotifier):
    """Its first two claims fail like a Postgres that restarts; it logs each retry's flag."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 2

    async def claim(self, prepared: Prepared, again: bool = False) -> Claimed:  # type: ignore[override]
        self.log.append(f"try again={again}")
        if self.failures:
            self.failures -= 1
            raise ConnectionRefusedError("connection refused")
        self.open(prepared.first)
        return await super().claim(prepared)


async def test_a_claim_refused_by_the_database_is_retried_and_the_offset_committed_after() -> None:
    """Two refused claims are retried (the retry may take rows its try wrote), then it commits."""
    notifier = OutageNotifier()
    consumer, stop, task = start([[(0, "x1")]], notifier)
    for _ in range(100):
        if consumer.commits:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert ["try again=False", "try again=True", "try again=True"] == notifier.log[:3]
    assert ("sent 0", {TP: 1}) == (notifier.log[-1], consumer.commits[-1])

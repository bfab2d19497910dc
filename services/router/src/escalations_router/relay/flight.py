"""A relay round in flight: outbox rows handed to the producer, awaiting acknowledgements."""

from __future__ import annotations

import asyncio
from typing import Any


class Flight:
    """Outbox rows handed to the producer, waiting for their acknowledgements."""

    def __init__(self, ids: list[int], futures: list[asyncio.Future[Any]]) -> None:
        self.ids = ids
        # Wait for every send, even after a failure, so no send is still in flight when
        # this relay gives up the lead and a new leader reconciles.
        self._landing = asyncio.gather(*futures, return_exceptions=True)

    def landed(self) -> bool:
        """Return whether every send has been acknowledged or has failed."""
        return self._landing.done()

    async def settled(self) -> None:
        """Wait until every send has been acknowledged or has failed."""
        await self._landing

    async def landed_or(self, wake: asyncio.Event) -> None:
        """Wait until every send has landed, or ``wake`` is set."""
        waiter = asyncio.create_task(wake.wait())
        either: set[asyncio.Future[Any]] = {waiter, self._landing}
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()

    async def acknowledged(self) -> list[int]:
        """Wait for every acknowledgement; return the ids, or raise the first failure."""
        results = await self._landing
        failed = next((r for r in results if isinstance(r, BaseException)), None)
        if failed is not None:
            raise failed
        return self.ids

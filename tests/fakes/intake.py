"""Hand-written fakes of the intake's ports, shared by its unit tests.

The broker's producer, the newest-escalation lookup (batched and not), the key store and
the idempotency store. Each records what it was asked, or answers from fixed data.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, NamedTuple

import orjson
from aiokafka.errors import KafkaTimeoutError
from sqlalchemy.exc import OperationalError

from escalations.core.refire import Incarnation
from escalations_intake.auth.api_keys import KeyStore, Principal, hash_key

Key = tuple[str, str]


class Sent(NamedTuple):
    """One record the producer was given, its value decoded."""

    topic: str
    key: bytes
    headers: list[Any]
    event: dict[str, Any]


class FakeProducer:
    """Keeps what is sent; fails every send (a broker timeout) while ``down``."""

    def __init__(self, down: bool = False) -> None:
        self.down = down
        self.sent: list[Sent] = []

    async def send_and_wait(self, topic: str, value: bytes, key: bytes, headers: Any) -> None:
        """Record the record, or raise as an unavailable broker does."""
        if self.down:
            raise KafkaTimeoutError()
        self.sent.append(Sent(topic, key, list(headers), orjson.loads(value)))

    def events(self) -> list[dict[str, Any]]:
        """Return the envelopes sent, in order."""
        return [s.event for s in self.sent]

    def addressed(self) -> list[tuple[str, str, str | None]]:
        """Return each record's key, escalation id and ``follows``."""
        return [
            (s.key.decode(), s.event["data"]["escalation_id"], s.event["data"]["follows"])
            for s in self.sent
        ]


class FakeIncarnations:
    """Answers every newest-escalation question with one fixed answer, counting them."""

    def __init__(self, latest: Incarnation | None = None) -> None:
        self.latest_one, self.asked = latest, 0

    def ask(self, key: Key) -> asyncio.Future[Incarnation | None]:
        """Return a future already holding the fixed answer."""
        self.asked += 1
        future: asyncio.Future[Incarnation | None] = asyncio.get_running_loop().create_future()
        future.set_result(self.latest_one)
        return future

    async def latest(self, key: Key) -> Incarnation | None:
        """Return the fixed answer."""
        return await self.ask(key)


class FakeLookup:
    """Answers batched lookups from fixed newest incarnations, slowly, recording each batch."""

    def __init__(
        self, stored: dict[Key, Incarnation], delay_s: float = 0.0, fail: bool = False
    ) -> None:
        self.stored, self.delay_s, self.fail = stored, delay_s, fail
        self.batches: list[list[Key]] = []
        self.running = self.most_running = 0

    async def __call__(self, keys: list[Key]) -> dict[Key, Incarnation]:
        """Answer one batch after the delay, or fail as a refused connection does."""
        self.batches.append(list(keys))
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        try:
            await asyncio.sleep(self.delay_s)
            if self.fail:
                raise OperationalError("SELECT", {}, OSError("connection refused"))
            return {k: self.stored[k] for k in keys if k in self.stored}
        finally:
            self.running -= 1


class FakeKeys(KeyStore):
    """The key store with its table in memory; ``cold`` keys start outside the cache."""

    def __init__(self, principals: dict[str, Principal], cold: frozenset[str] = frozenset()):
        super().__init__(sessions=None, ttl_s=60.0)  # type: ignore[arg-type]  # never queried
        self.principals = principals
        for key, principal in principals.items():
            if key not in cold:
                self._cache[hash_key(key)] = (time.monotonic(), principal)

    async def principal(self, key: str) -> Principal | None:
        """Return the principal of a known key, caching it as a lookup would."""
        found = self.cached(key) or self.principals.get(key)
        if found is not None:
            self._cache[hash_key(key)] = (time.monotonic(), found)
        return found


class FakeIdempotency:
    """Every key is new; nothing is stored."""

    async def claim(self, source: str, key: str, digest: str) -> None:
        """Own every key."""
        return

    async def complete(self, source: str, key: str, stored: Any) -> None:
        """Forget the answer."""
        return

    async def release(self, source: str, key: str) -> None:
        """Nothing to release."""
        return

"""Hand-written fakes of the notifier's ports, shared by its unit tests.

Channels, the ledger, the DLQ producer, the retry queue and deliverer, and the Kafka
consumer and batch notifier the consume loop drives. Each records what it was asked to do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiokafka import TopicPartition

from escalations_notifier.channels import DeliveryError, Message
from escalations_notifier.deliver import Attempt
from escalations_notifier.ledger import Key, Outcome, Stored

TP = TopicPartition("escalations.events.v1", 0)


class FakeChannel:
    """Fails with the scripted errors, then succeeds; records what it sent."""

    name = "webhook"

    def __init__(self, failures: Sequence[DeliveryError] = ()) -> None:
        self.failures = list(failures)
        self.sent: list[str] = []
        self.calls = 0

    def endpoint(self, message: Message) -> str:
        return "https://receiver"

    async def send(self, message: Message) -> None:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message.event_id)


class FakeLedger:
    """Records outcomes."""

    def __init__(self) -> None:
        self.outcomes: list[Outcome] = []

    async def finish(self, outcomes: Sequence[Outcome]) -> None:
        self.outcomes += outcomes


class FakeProducer:
    """Records DLQ records."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    async def send_and_wait(self, topic: str, value: bytes, key: bytes, headers: Any) -> None:
        self.records.append({"topic": topic, **orjson.loads(value)})


class FakeDueLedger:
    """Hands out the given rows once."""

    def __init__(self, rows: list[Stored]) -> None:
        self.rows = rows

    async def lease_due(self, limit: int) -> list[Stored]:
        rows, self.rows = self.rows[:limit], self.rows[limit:]
        return rows


class FakeDeliverer:
    """Records what it was asked to deliver."""

    def __init__(self) -> None:
        self.batches: list[tuple[list[Attempt], frozenset[Key]]] = []

    async def run(self, attempts: Sequence[Attempt], blocked: frozenset[Key] = frozenset()) -> None:
        self.batches.append((list(attempts), blocked))


@dataclass(frozen=True)
class Record:
    """A consumed record: its offset, and its escalation as the key."""

    offset: int
    key: bytes | None = None
    topic: str = TP.topic
    partition: int = 0
    value: bytes | None = None


class FakeConsumer:
    """Hands out scripted batches of (offset, escalation), then sets ``stop``; records commits."""

    def __init__(self, batches: list[list[tuple[int, str]]], stop: asyncio.Event) -> None:
        self.batches = [[Record(o, e.encode()) for o, e in batch] for batch in batches]
        self.stop = stop
        self.commits: list[dict[TopicPartition, int]] = []

    async def getmany(self, timeout_ms: int, max_records: int) -> dict[TopicPartition, Any]:
        await asyncio.sleep(0)
        if not self.batches:
            await asyncio.sleep(0.01)
            return {}
        return {TP: self.batches.pop(0)}

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.commits.append(dict(offsets))

    def highwater(self, tp: TopicPartition) -> int | None:
        return None


@dataclass(frozen=True)
class Prepared:
    """A fake decoded batch: named by its first offset."""

    first: int
    size: int
    escalations: frozenset[str]


@dataclass(frozen=True)
class Claimed:
    """A fake claimed batch."""

    first: int
    attempts: list[int]
    stakeholders: bool = False


@dataclass
class FakeNotifier:
    """Logs claims and sends; a claim or send of batch N waits until the test opens gate N."""

    claim_gates: dict[int, asyncio.Event] = field(default_factory=dict)
    send_gates: dict[int, asyncio.Event] = field(default_factory=dict)
    fail_claim: int | None = None
    log: list[str] = field(default_factory=list)

    def prepare(self, records: Sequence[Record]) -> Prepared:
        keys = frozenset((r.key or b"").decode() for r in records)
        return Prepared(records[0].offset, len(records), keys)

    async def claim(self, prepared: Prepared) -> Claimed:
        self.log.append(f"claim {prepared.first}")
        await self.claim_gates.setdefault(prepared.first, asyncio.Event()).wait()
        if prepared.first == self.fail_claim:
            raise RuntimeError("ledger gone")
        self.log.append(f"claimed {prepared.first}")
        return Claimed(prepared.first, list(range(prepared.size)))

    async def claim_stakeholders(
        self, prepared: Prepared, responders: Claimed, again: bool = False
    ) -> Claimed:
        """Claim nothing more: these tests are about the responders' claims and sends."""
        return Claimed(prepared.first, [], stakeholders=True)

    async def deliver(self, claimed: Claimed) -> None:
        if claimed.stakeholders:
            return
        await self.send_gates.setdefault(claimed.first, asyncio.Event()).wait()
        self.log.append(f"sent {claimed.first}")

    def open(self, *batches: int, claims: bool = True, sends: bool = True) -> None:
        """Let the claims and/or sends of these batches (by first offset) go ahead."""
        for first in batches:
            if claims:
                self.claim_gates.setdefault(first, asyncio.Event()).set()
            if sends:
                self.send_gates.setdefault(first, asyncio.Event()).set()

"""One retry wrapper for every channel: breaker, backoff with jitter, Retry-After, then the DLQ.

A fetched batch is delivered with a bounded inline budget (``inline_seconds``): a message
that still fails after it is handed to the ledger's retry queue, so one slow or dead
endpoint never holds a partition. Messages of one escalation go out one after another, in
event order; different escalations go out concurrently.

An outcome that cannot be recorded (Postgres out) is kept in memory and written again with
backoff until it is: a message that was sent stays sent, instead of being sent again when
its lease runs out. The retry loop leases nothing while any is held (``unrecorded``).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import orjson
from aiokafka.errors import KafkaError

from escalations.contracts.topics import NOTIFICATIONS_DLQ
from escalations.db.held import DATABASE_ERRORS
from escalations.kafka import CONTENT_TYPE
from escalations.logs import log_context
from escalations.outages import KAFKA, POSTGRES, Outages, retrying
from escalations_notifier import metrics
from escalations_notifier.addresses import no_address
from escalations_notifier.breaker import Breakers, State
from escalations_notifier.channels import Channel, DeliveryError, Message
from escalations_notifier.ledger import DEAD_LETTERED, RETRYING, SENT, Key, Outcome
from escalations_notifier.templates import TemplateError

log = logging.getLogger(__name__)
# How long a batch's sends may run before the outcomes of its finished streams are
# recorded without waiting for the slower ones (one more statement, only then).
EARLY_RECORD_SECONDS = 0.1


class OutcomeLog(Protocol):
    """Where outcomes are recorded (the ledger)."""

    async def finish(self, outcomes: Sequence[Outcome]) -> None:
        """Record where each delivery stands."""
        ...


class DlqProducer(Protocol):
    """What parking needs of a Kafka producer."""

    async def send_and_wait(
        self, topic: str, value: bytes, key: bytes, headers: list[tuple[str, bytes]]
    ) -> Any:
        """Send one record and wait for the broker's acknowledgement."""
        ...


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before parking a delivery in the DLQ."""

    max_attempts: int
    base_seconds: float
    max_seconds: float
    inline_seconds: float = 2.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Return the wait before the next attempt: what the server asked, else full jitter."""
        if retry_after is not None:
            return min(retry_after, self.max_seconds)
        ceiling = min(self.max_seconds, self.base_seconds * 2 ** (attempt - 1))
        return random.uniform(0, ceiling)


@dataclass(frozen=True)
class Attempt:
    """A message to try, with the attempts already spent on it."""

    message: Message
    attempts: int = 0


class Deliverer:
    """Sends messages once each, retrying what can succeed later."""

    def __init__(
        self,
        channels: Mapping[str, Channel],
        ledger: OutcomeLog,
        producer: DlqProducer,
        policy: RetryPolicy,
        breakers: Breakers,
        max_in_flight: int = 64,
        *,
        outages: Outages | None = None,
        on_recovered: Callable[[str], None] = lambda channel: None,
    ) -> None:
        # Bounded sends, across the batches being delivered at once.
        self._in_flight = asyncio.Semaphore(max_in_flight)
        self._outages = outages or Outages()
        self._on_recovered = on_recovered
        self.unrecorded = 0
        # Set when the service stops: an outage then ends the wait instead of being retried.
        self.stop = asyncio.Event()
        self._channels = channels
        self._ledger = ledger
        self._producer = producer
        self._policy = policy
        self._breakers = breakers

    @property
    def channel_names(self) -> tuple[str, ...]:
        """Return the channels this deliverer has adapters for."""
        return tuple(self._channels)

    async def run(self, attempts: Sequence[Attempt], blocked: frozenset[Key] = frozenset()) -> None:
        """Deliver a batch (in order per escalation), park failures, and record every outcome."""
        streams: dict[str, list[Attempt]] = defaultdict(list)
        for attempt in attempts:
            streams[attempt.message.escalation_id].append(attempt)
        deadline = time.monotonic() + self._policy.inline_seconds
        by_key = {a.message.key: a.message for a in attempts}
        tasks = [
            asyncio.ensure_future(self._stream(items, blocked, deadline))
            for items in streams.values()
        ]
        if not tasks:
            return
        # Most batches are done by now. If a stream is still retrying inline, what the
        # others sent is recorded first: until its outcome commits, a message is one that
        # a crash would send again (docs/contract/guarantees.md, "Duplicates: at-least-once,
        # and only in one window").
        done, waiting = await asyncio.wait(tasks, timeout=EARLY_RECORD_SECONDS)
        if waiting:
            await self._settle([o for task in done for o in task.result()], by_key)
            done, _ = await asyncio.wait(waiting)
        await self._settle([o for task in done for o in task.result()], by_key)
        for attempt in attempts:
            if attempt.message.redelivery:
                metrics.REDELIVERIES.labels(attempt.message.channel).inc()

    async def _settle(self, outcomes: Sequence[Outcome], by_key: Mapping[Key, Message]) -> None:
        """Park what failed for good, record every outcome, and count what was sent."""
        parked = [o for o in outcomes if o.status == DEAD_LETTERED]
        for outcome in parked:
            await self._park(by_key[outcome.key], outcome)
        await self._record(outcomes)
        for outcome in outcomes:
            message = by_key[outcome.key]
            if outcome.status == SENT:
                elapsed = (datetime.now(UTC) - message.event_time).total_seconds()
                metrics.observe_latency(message.channel, max(0.0, elapsed))
        if parked:
            metrics.DLQ_SIZE.inc(len(parked))

    async def _record(self, outcomes: Sequence[Outcome]) -> None:
        """Write outcomes to the ledger, holding them in memory while Postgres is out."""
        if not outcomes:
            return
        self.unrecorded += len(outcomes)
        metrics.UNRECORDED.inc(len(outcomes))
        try:
            await retrying(
                lambda: self._ledger.finish(outcomes),
                outages=self._outages, dependency=POSTGRES, loop="record",
                errors=DATABASE_ERRORS, stop=self.stop,
            )  # fmt: skip
        finally:
            self.unrecorded -= len(outcomes)
            metrics.UNRECORDED.dec(len(outcomes))

    async def _stream(
        self, items: Sequence[Attempt], blocked: frozenset[Key], deadline: float
    ) -> list[Outcome]:
        outcomes: list[Outcome] = []
        waiting: set[tuple[str, str]] = set()
        for item in items:
            message = item.message
            stream = (message.recipient, message.channel)
            if message.key in blocked or stream in waiting:
                # Something older in this stream is still queued: keep the order, queue too.
                outcomes.append(Outcome(message.key, RETRYING, item.attempts, "queued", 0.0))
                metrics.count(message.channel, "deferred")
                waiting.add(stream)
                continue
            # Every line logged about this message carries its ids (docs/operations.md).
            with log_context(escalation_id=message.escalation_id, event_id=message.event_id):
                outcome = await self.attempt(item, deadline)
            if outcome.status == RETRYING:
                waiting.add(stream)
            outcomes.append(outcome)
        return outcomes

    async def attempt(self, item: Attempt, deadline: float) -> Outcome:
        """Send with retries until sent, permanently failed, or out of inline time."""
        message, attempts = item.message, item.attempts
        channel = self._channels.get(message.channel)
        if channel is None or not message.address:
            error = (
                f"no {message.channel} adapter is configured"
                if channel is None
                else no_address(message.recipient, message.channel)
            )
            metrics.count(message.channel, "failed")
            return Outcome(message.key, DEAD_LETTERED, attempts, error)
        endpoint = channel.endpoint(message)
        while True:
            async with self._in_flight:
                # No send starts after the inline budget (waiting for a slot included): the
                # lease, at least twice budget plus timeout, then outlasts every send.
                if time.monotonic() > deadline:
                    metrics.count(message.channel, "deferred")
                    return Outcome(message.key, RETRYING, attempts, "inline time spent")
                wait = self._breakers.allow(message.channel, endpoint)
                if wait is not None:
                    metrics.count(message.channel, "deferred")
                    return Outcome(message.key, RETRYING, attempts, "circuit open", wait)
                # A probe tests the endpoint, not the message: while the endpoint is down its
                # failures do not spend the message's attempts, so an outage of any length
                # parks nothing in the DLQ (docs/notifier.md, "Circuit breakers").
                probe = self._breakers.state(message.channel, endpoint) is State.HALF_OPEN
                failure = await self._send(channel, endpoint, message)
                spent = not (probe and failure is not None and failure.retryable)
                attempts += int(spent)
            if failure is None:
                metrics.count(message.channel, "sent")
                return Outcome(message.key, SENT, attempts)
            error = str(failure)
            if not spent:
                metrics.count(message.channel, "deferred")
                wait = self._breakers.allow(message.channel, endpoint) or 0.0
                return Outcome(message.key, RETRYING, attempts, error, wait)
            if not failure.retryable or attempts >= self._policy.max_attempts:
                metrics.count(message.channel, "failed")
                return Outcome(message.key, DEAD_LETTERED, attempts, error)
            delay = self._policy.delay(attempts, failure.retry_after)
            metrics.RETRIES.labels(message.channel).inc()
            metrics.count(message.channel, "retried")
            if time.monotonic() + delay > deadline:
                metrics.count(message.channel, "deferred")
                return Outcome(message.key, RETRYING, attempts, error, delay)
            await asyncio.sleep(delay)

    async def _send(
        self, channel: Channel, endpoint: str, message: Message
    ) -> DeliveryError | None:
        try:
            await channel.send(message)
        except DeliveryError as exc:
            if exc.retryable:
                self._breakers.failure(message.channel, endpoint)
            return exc
        except TemplateError as exc:
            return DeliveryError(str(exc), retryable=False)
        if self._breakers.success(message.channel, endpoint):
            self._on_recovered(message.channel)
        return None

    async def _park(self, message: Message, outcome: Outcome) -> None:
        record = {
            "event_id": message.event_id,
            "event_type": message.event_type,
            "escalation_id": message.escalation_id,
            "recipient": message.recipient,
            "channel": message.channel,
            "attempts": outcome.attempts,
            "last_error": outcome.error,
            "parked_at": datetime.now(UTC).isoformat(),
            "event_time": message.event_time.isoformat(),
            "body": message.body,
        }
        await retrying(
            lambda: self._producer.send_and_wait(
                NOTIFICATIONS_DLQ,
                value=orjson.dumps(record),
                key=message.escalation_id.encode(),
                headers=[CONTENT_TYPE],
            ),
            outages=self._outages, dependency=KAFKA, loop="dlq", errors=(KafkaError,),
            stop=self.stop,
        )  # fmt: skip
        metrics.count(message.channel, "dead_lettered")
        log.error(
            "delivery parked in %s after %d attempts: %s",
            NOTIFICATIONS_DLQ,
            outcome.attempts,
            outcome.error,
            extra={
                "escalation_id": message.escalation_id,
                "event_id": message.event_id,
                "channel": message.channel,
                "recipient": message.recipient,
            },
        )

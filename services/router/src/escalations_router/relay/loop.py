"""The relay's loop: lead, reconcile with the topics, then publish unsent rows in order.

Leading is a session-level advisory lock (``outbox.lead``); reconciling marks the rows a
dead leader published but did not mark (``reconcile``). Publishing takes the rows batches
hand over (``claims``) and reads the rest (``outbox.mark_and_next``), a few rounds in flight
at a time (``flight``). The package docstring says why this publishes each event once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from escalations.kafka import CONTENT_TYPE
from escalations.outages import KAFKA, POSTGRES, Backoff, Outages
from escalations_router import metrics
from escalations_router.postgres import db
from escalations_router.postgres.db import Connection
from escalations_router.relay import outbox
from escalations_router.relay.claims import Claims
from escalations_router.relay.flight import Flight
from escalations_router.relay.outbox import Row
from escalations_router.relay.reconcile import EVENT_ID_HEADER, backlog, mark_published

log = logging.getLogger(__name__)

RELAY_ERRORS: tuple[type[Exception], ...] = (*db.ERRORS, KafkaError)


class Relay:
    """Moves outbox rows to Kafka, once each."""

    # Rounds in flight (handed to the producer, not yet acknowledged) before a read waits.
    MAX_FLIGHTS = 3

    def __init__(
        self,
        connect: Callable[[], Awaitable[Connection]],
        producer: AIOKafkaProducer,
        bootstrap: str,
        *,
        batch: int,
        idle_seconds: float,
        settle_seconds: float = 0.5,
        outages: Outages | None = None,
    ) -> None:
        self._outages = outages or Outages()
        self._connect = connect
        self._producer = producer
        self._bootstrap = bootstrap
        self._batch = batch
        self._idle = idle_seconds
        self._settle = settle_seconds
        self._wake = asyncio.Event()
        self._read_due = True
        self._leading = False
        self._claims = Claims()

    def wake(self) -> None:
        """Ask the relay to read the outbox now (a commit wrote rows it was not handed)."""
        self._read_due = True
        self._wake.set()

    @property
    def leading(self) -> bool:
        """Whether this relay leads (only then are rows handed over to it)."""
        return self._leading

    def reserve(self, rows: list[Row]) -> int | None:
        """Reserve rows a transaction is about to commit; return a token, or None (not leading).

        Until they are handed over (``hand_over``) or released, reads leave out these rows
        and every row with one of their keys.
        """
        if not self._leading or not rows:
            return None
        return self._claims.reserve(rows)

    def hand_over(self, token: int, rows: list[Row]) -> None:
        """Publish the rows of a committed transaction, reserved under ``token``."""
        if self._claims.hand_over(token, rows):
            self._wake.set()

    def release(self, token: int) -> None:
        """The transaction behind ``token`` failed, or may not have committed: read instead."""
        if self._claims.release(token):
            self.wake()

    async def run(self, stop: asyncio.Event) -> None:
        """Lead and publish until ``stop`` is set, then drain what is left."""
        backoff = Backoff(min(0.1, self._idle), max(5.0, self._idle))
        while not stop.is_set():
            wait = self._idle
            try:
                # A connection of its own: the lead is a session-level advisory lock, which
                # Postgres releases when the session ends, whatever ends it.
                conn = await self._connect()
                try:
                    if await outbox.lead(conn):
                        await self._lead(conn, stop)
                    else:
                        self._reached(POSTGRES, KAFKA)  # a follower needs no broker
                finally:
                    await outbox.close(conn)
                backoff.reset()
            except RELAY_ERRORS as exc:
                # One log line per outage (escalations.outages), not one per retry.
                dependency = KAFKA if isinstance(exc, KafkaError) else POSTGRES
                self._outages.failed(dependency, "relay", exc)
                wait = backoff.next()
            await self._pause(stop, wait)

    def _reached(self, *dependencies: str) -> None:
        for dependency in dependencies:
            self._outages.recovered(dependency, "relay")

    async def _lead(self, conn: Connection, stop: asyncio.Event) -> None:
        log.info("relay leads: reconciling the outbox with the topics")
        await self.reconcile(conn)
        self._reached(POSTGRES, KAFKA)  # the reconciliation read both
        self._leading, self._read_due = True, True
        flights: list[Flight] = []
        try:
            await self._publish(conn, stop, flights)
        finally:
            # Void every reservation and hand-over: from here on, only a read publishes them.
            self._leading = False
            self._claims.clear()
            # No send may still be in flight once this relay gives up the lead and a new
            # leader reconciles.
            for flight in flights:
                await flight.settled()

    async def _publish(self, conn: Connection, stop: asyncio.Event, flights: list[Flight]) -> None:
        reported = read_at = 0.0
        # Acknowledged by Kafka, not yet marked sent: the next read marks them.
        sent: list[int] = []
        while not stop.is_set():
            # Clear before looking: a wake that comes while this round works is then still
            # set when the relay waits, instead of being lost for an idle period.
            self._wake.clear()
            while flights and flights[0].landed():
                sent += await flights.pop(0).acknowledged()
            if self._claims.handed:
                flights.append(await self._send(self._claims.take()))
            if time.monotonic() - read_at > self._idle or len(sent) >= self._batch:
                self._read_due = True  # mark what was acknowledged; pick up others' rows
            if self._read_due and len(flights) < self.MAX_FLIGHTS:
                self._read_due, read_at = False, time.monotonic()
                rows = await self._next(conn, sent, *self._claims.skipped(flights))
                sent = []
                if fresh := self._claims.unclaimed(rows):
                    flights.append(await self._send(fresh))
                if len(rows) == self._batch:
                    self._read_due = True  # a backlog: read on while there is room
                    continue
            if self._claims.handed or self._wake.is_set():
                continue
            if flights:
                await flights[0].landed_or(self._wake)
                continue
            if time.monotonic() - reported > 1.0:
                metrics.OUTBOX_BACKLOG.set(max(0, await backlog(conn) - len(sent)))
                reported = time.monotonic()
            await self._pause(stop, self._idle, clear=False)
        for flight in flights:
            sent += await flight.acknowledged()
        flights.clear()
        while rows := await self._next(conn, sent):
            sent = await (await self._send(rows)).acknowledged()

    async def _next(
        self,
        conn: Connection,
        sent: list[int],
        flying: list[int] | None = None,
        keys: list[str] | None = None,
    ) -> list[Row]:
        """Mark the rows just published as sent and read the next unsent ones: one trip."""
        skip = sent + (flying or [])
        now = datetime.now(UTC)
        return await outbox.mark_and_next(conn, now, sent, skip, self._batch, keys or [])

    async def _send(self, rows: list[Row]) -> Flight:
        """Hand rows to the producer in order; return them in flight."""
        futures = [
            await self._producer.send(
                topic,
                value=envelope.encode(),
                key=key.encode(),
                headers=[CONTENT_TYPE, (EVENT_ID_HEADER, event_id.encode())],
            )
            for _, event_id, topic, key, envelope in rows
        ]
        return Flight([row[0] for row in rows], futures)

    async def reconcile(self, conn: Connection) -> int:
        """Mark unsent rows that a previous leader published before it died; return how many."""
        if not await backlog(conn):
            return 0
        # Let a dead leader's last produce requests land before reading the log end.
        await asyncio.sleep(self._settle)
        return await mark_published(conn, self._producer, self._bootstrap, self._batch)

    async def _pause(self, stop: asyncio.Event, seconds: float, *, clear: bool = True) -> None:
        if clear:
            self._wake.clear()
        waiter = asyncio.create_task(self._wake.wait())
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({waiter, stopper}, timeout=seconds, return_when="FIRST_COMPLETED")
        waiter.cancel()
        stopper.cancel()

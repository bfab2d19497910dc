"""The outbox relay: publishes committed outgoing events in order, then marks them sent.

One relay leads at a time across all router instances: it holds a session-level advisory
lock on a dedicated connection, which Postgres releases the moment that process dies. A new
leader first reconciles: a crash between publishing a batch and marking it sent leaves rows
that are already in Kafka, so it reads the tail of each partition it publishes to and marks
the rows whose event id it finds there (every record carries an ``event-id`` header). Only
then does it publish, so a crash and restart does not publish an event twice.

Rows reach the producer two ways. The relay reads unsent rows in id order (after a wake,
and at least every idle period, which also marks what was acknowledged). And a batch of the
leading router hands over the rows about the escalations it has just created, without a
read: no transaction wrote about an escalation before the one that created it, so no older
row with the same key waits unsent. The batch reserves those rows (ids and keys) after its
write statement and before its commit, hands them over once committed, or releases them if
the commit failed. Reads leave out reserved ids, so no read publishes them a second time,
and reserved keys, so no later row about the same escalation overtakes them; handed rows go
to the producer before the next read. Postgres may take a read's snapshot after the read
was sent, once a batch reserved and committed more rows: what a read returns is filtered
again against the reservations and hand-overs of that moment. A reservation made under an
earlier lead is void: its rows are read like any other.
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
from escalations_router import db, metrics
from escalations_router.db import Connection
from escalations_router.flight import Flight
from escalations_router.reconcile import EVENT_ID_HEADER, backlog, mark_published

log = logging.getLogger(__name__)

# Any constant works; it only has to be the same for every router instance.
RELAY_LOCK_KEY = 0x6573_6361_6C61_7465
RELAY_ERRORS: tuple[type[Exception], ...] = (*db.ERRORS, KafkaError)
CLOSE_ERRORS: tuple[type[Exception], ...] = (*db.ERRORS, TimeoutError)
Row = tuple[int, str, str, str, str]  # id, event id, topic, key, envelope as JSON text

# Marks the rows the relay has just published and reads the next unsent ones in one round
# trip. Both parts see the statement's snapshot, where the rows being marked still look
# unsent: the read leaves them out by id, and the rows still in flight too. The envelope
# comes as Postgres prints it: valid JSON, and no decode/encode round trip here. Outside a
# transaction each statement commits on its own: a round is one trip, without BEGIN/COMMIT.
_MARK_AND_NEXT = """
WITH marked AS (
  UPDATE outbox SET sent_at = $1 WHERE id = ANY($2::bigint[]) AND sent_at IS NULL
)
SELECT id, event_id, topic, key, CAST(envelope AS text)
FROM outbox
WHERE sent_at IS NULL AND NOT (id = ANY($3::bigint[])) AND NOT (key = ANY($5::text[]))
ORDER BY id
LIMIT $4
"""


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
        # Reservations by token (never reused), and rows handed over, not yet sent.
        self._tokens = 0
        self._reserved: dict[int, tuple[list[int], set[str]]] = {}
        self._handed: list[Row] = []

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
        self._tokens += 1
        self._reserved[self._tokens] = ([row[0] for row in rows], {row[3] for row in rows})
        return self._tokens

    def hand_over(self, token: int, rows: list[Row]) -> None:
        """Publish the rows of a committed transaction, reserved under ``token``."""
        if self._reserved.pop(token, None) is None:
            return  # reserved under an earlier lead: a read finds them
        self._handed.extend(rows)
        self._wake.set()

    def release(self, token: int) -> None:
        """The transaction behind ``token`` failed, or may not have committed: read instead."""
        if self._reserved.pop(token, None) is not None:
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
                    if await conn.fetchval("SELECT pg_try_advisory_lock($1)", RELAY_LOCK_KEY):
                        await self._lead(conn, stop)
                    else:
                        self._reached(POSTGRES, KAFKA)  # a follower needs no broker
                finally:
                    await _close(conn)
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
            self._reserved.clear()
            self._handed.clear()
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
            if self._handed:
                rows, self._handed = self._handed, []
                flights.append(await self._send(rows))
            if time.monotonic() - read_at > self._idle or len(sent) >= self._batch:
                self._read_due = True  # mark what was acknowledged; pick up others' rows
            if self._read_due and len(flights) < self.MAX_FLIGHTS:
                self._read_due, read_at = False, time.monotonic()
                rows = await self._next(conn, sent, *self._skipped(flights))
                sent = []
                if fresh := self._unclaimed(rows):
                    flights.append(await self._send(fresh))
                if len(rows) == self._batch:
                    self._read_due = True  # a backlog: read on while there is room
                    continue
            if self._handed or self._wake.is_set():
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

    def _unclaimed(self, rows: list[Row]) -> list[Row]:
        """Return the rows a read found that no batch has reserved or handed over since.

        A read leaves out what was reserved when it was sent, but Postgres may take its
        snapshot later, after a batch reserved and committed more rows: those come by
        hand-over, and rows with their keys wait for a later read (they may not overtake).
        """
        ids, keys = self._claimed()
        if not ids:
            return rows
        return [row for row in rows if row[0] not in ids and row[3] not in keys]

    def _skipped(self, flights: list[Flight]) -> tuple[list[int], list[str]]:
        """Return the ids and keys a read must leave out: in flight, reserved or handed."""
        ids, keys = self._claimed()
        return [*ids, *(i for flight in flights for i in flight.ids)], sorted(keys)

    def _claimed(self) -> tuple[set[int], set[str]]:
        """Return the ids and keys of rows reserved or handed over, not yet sent."""
        ids = {row[0] for row in self._handed}
        keys = {row[3] for row in self._handed}
        for reserved_ids, reserved_keys in self._reserved.values():
            ids.update(reserved_ids)
            keys |= reserved_keys
        return ids, keys

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
        rows: list[Row] = await conn.fetch(_MARK_AND_NEXT, now, sent, skip, self._batch, keys or [])
        return rows

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


async def _close(conn: Connection) -> None:
    try:
        await conn.close(timeout=5)
    except CLOSE_ERRORS as exc:
        log.warning("relay connection did not close cleanly, dropping it: %s", exc)
        conn.terminate()

"""Apply one fetched batch in one Postgres transaction.

Per batch: decode every record (poison goes to the dead-letter topic through the outbox),
lock the escalations touched (id order), skip events already processed, load their clocks,
the stored overrides and time off, and lock the load of every person the batch may assign.
Then apply the state machine and the clocks, and commit state, history, clocks, person load,
processed-event records and outgoing events together. The row locks come before the
processed-event check, so a batch replayed by a new partition owner during a rebalance waits
for the old owner's transaction and then sees its events as done.

Two batches overlap: while one writes and commits (``Staged``, in the background), the next
is read and applied in a second transaction. It may only when the two share no escalation,
no event and no schedule command; otherwise it waits for the commit first. The load of the
people it assigns is the one thing the two share, and it comes from the batch in flight: read
without a lock, with the in-flight batch's changes on top. Once that batch has committed,
the next one locks those people and checks they hold what it assumed; if another router
changed them in between, it rolls back and is applied again with the people locked first.
Commits stay in fetch order.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import asyncpg
from pydantic import BaseModel

from escalations.contracts.codec import parse_payload
from escalations.contracts.envelope import Envelope, EnvelopeError, decode
from escalations.contracts.events import (
    AcknowledgeRequested,
    EscalationReceived,
    OverrideRequested,
    ReassignRequested,
    ResolveRequested,
    TimeOffRequested,
)
from escalations.contracts.topics import ROUTER_DEADLETTER
from escalations.core.assignment import PersonHistory
from escalations.core.escalation import Tier
from escalations.db.models import EscalationRow
from escalations.db.models_router import ClockRow
from escalations.kafka import KafkaRecord
from escalations.logs import log_context
from escalations_router import metrics, refire, schedule, store
from escalations_router.core_decider import BoundDecider, CoreDecider
from escalations_router.db import ERRORS, Connection, Pool
from escalations_router.observe import observe
from escalations_router.people import LoadBook, lock_people, read_people
from escalations_router.relay import Row as OutboxRow
from escalations_router.state import (
    Outcome,
    is_system_actor,
    on_acknowledge,
    on_reassign,
    on_received,
    on_resolve,
)
from escalations_router.timers import advance, new_clock, restart

log = logging.getLogger(__name__)
Record = KafkaRecord
Handler = Callable[[EscalationRow, Any, BoundDecider, datetime], Outcome]

COMMANDS: dict[type[BaseModel], Handler] = {
    AcknowledgeRequested: on_acknowledge,
    ResolveRequested: on_resolve,
    ReassignRequested: on_reassign,
}
SCHEDULE_COMMANDS = schedule.SCHEDULE_COMMANDS


@dataclass(frozen=True)
class Parsed:
    """A decoded input event."""

    record: Record
    envelope: Envelope
    payload: BaseModel


@dataclass
class Batch:
    """The working set of one transaction."""

    connection: Connection
    now: datetime
    rows: dict[str, EscalationRow]
    clocks: dict[str, ClockRow]
    decider: BoundDecider
    writes: store.Writes = field(default_factory=store.Writes)
    outcomes: list[Outcome] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)
    # Rows and clocks this batch creates: inserted in their final state, never updated.
    created: set[str] = field(default_factory=set)
    created_clocks: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Touched:
    """What a batch reads and writes that the next batch may share."""

    subjects: frozenset[str]
    events: frozenset[str]
    scheduling: bool

    @classmethod
    def of(cls, parsed: Sequence[Parsed]) -> Touched:
        """Return what these decoded events touch."""
        # A re-fire also writes the escalation it follows (``refire``).
        follows = refire.linked(_received(parsed))
        return cls(
            frozenset(p.envelope.subject for p in parsed) | follows,
            frozenset(p.envelope.id for p in parsed),
            any(isinstance(p.payload, SCHEDULE_COMMANDS) for p in parsed),
        )

    def apart_from(self, other: Touched) -> bool:
        """Whether a batch touching this may be applied before ``other`` commits."""
        return not (
            self.scheduling
            or other.scheduling
            or self.subjects & other.subjects
            or self.events & other.events
        )


@dataclass
class Staged:
    """A batch applied in its transaction, writing and committing in the background."""

    records: Sequence[Record]
    touched: Touched
    # The load of the people this batch changed, as Postgres holds it once it commits.
    people: dict[str, PersonHistory]
    after: Callable[[], None] | None
    task: asyncio.Task[None]

    async def committed(self) -> None:
        """Wait for the commit; raise what made it fail."""
        await asyncio.shield(self.task)

    async def succeeded(self) -> bool:
        """Wait for the commit; return whether it happened (False on a database error)."""
        try:
            await self.committed()
        except ERRORS:
            return False
        return True


def dead_letter_id(record: Record) -> str:
    """Return the stable id of a record's dead letter (its processed-event key too)."""
    return f"dead:{record.topic}:{record.partition}:{record.offset}"


def _dead_letter(record: Record, reason: str, error: str) -> dict[str, Any]:
    value = record.value or b""
    return {
        "reason": reason,
        "error": error,
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "key": record.key.decode(errors="replace") if record.key else None,
        "value_base64": base64.b64encode(value).decode(),
    }


class Outbox(Protocol):
    """Where committed outbox rows go (the relay): handed over, or left to be read."""

    @property
    def leading(self) -> bool: ...

    def wake(self) -> None: ...

    def reserve(self, rows: list[OutboxRow]) -> int | None: ...

    def hand_over(self, token: int, rows: list[OutboxRow]) -> None: ...

    def release(self, token: int) -> None: ...


class BatchProcessor:
    """Applies fetched batches to Postgres atomically."""

    def __init__(self, pool: Pool, decider: CoreDecider, outbox: Outbox | None = None) -> None:
        self._pool = pool
        self._decider = decider
        self._outbox = outbox
        self._live = schedule.LiveSchedule()

    def _parse(self, records: Sequence[Record]) -> tuple[list[Parsed], list[tuple[Record, str]]]:
        parsed, poison = [], []
        for record in records:
            try:
                envelope = decode(record.value)
                parsed.append(Parsed(record, envelope, parse_payload(envelope)))
            except EnvelopeError as exc:
                poison.append((record, str(exc)))
        return parsed, poison

    async def process(self, records: Sequence[Record]) -> None:
        """Apply a batch in one transaction and commit it; raises (commits nothing) on error."""
        staged = await self.stage(records)
        await staged.committed()

    async def stage(
        self,
        records: Sequence[Record],
        previous: Staged | None = None,
        *,
        after: Callable[[], None] | None = None,
    ) -> Staged:
        """Apply a batch in a new transaction and start its write and commit; return at once.

        ``previous`` is the batch still committing, if any: this one overlaps it when the two
        are apart, and is written only after it commits. ``after`` runs once this batch has
        committed. Raises on a database error here or in ``previous`` (this batch then
        commits nothing).
        """
        now = datetime.now(UTC)
        parsed, poison = self._parse(records)
        touched = Touched.of(parsed)
        if previous is not None and (
            previous.task.done() or not touched.apart_from(previous.touched)
        ):
            # Already committed, or sharing something with this batch: wait for it, then
            # lock the people up front (no check afterwards, one round trip less).
            await previous.committed()
            previous = None
        connection = await self._pool.acquire()
        transaction = connection.transaction()
        try:
            await transaction.start()
            batch = await self._prepare(connection, now, parsed, poison, previous)
        except BaseException:
            await _abandon(self._pool, connection, transaction)
            raise
        if batch is None:
            # Another router changed a person this batch assumed: apply it again, locked.
            await _abandon(self._pool, connection, transaction)
            return await self.stage(records, after=after)
        task = asyncio.create_task(self._finish(connection, transaction, batch, after))
        return Staged(records, touched, batch.decider.book.committed(now), after, task)

    async def _prepare(
        self,
        connection: Connection,
        now: datetime,
        parsed: list[Parsed],
        poison: list[tuple[Record, str]],
        previous: Staged | None,
    ) -> Batch | None:
        """Lock, load and apply; return the batch to write, or None to apply it again."""
        escalation_ids = [
            p.envelope.subject for p in parsed if not isinstance(p.payload, SCHEDULE_COMMANDS)
        ]
        received = _received(parsed)
        rows = await store.lock_rows(connection, [*escalation_ids, *refire.linked(received)])
        await refire.lock_links(connection, rows, received)
        ids = [p.envelope.id for p in parsed] + [dead_letter_id(r) for r, _ in poison]
        live, done = await schedule.load_with_done(connection, now, store.CONSUMER, ids, self._live)
        clocks = await store.load_clocks(connection, rows)
        decider = self._decider.bind(live)
        todo = _fresh(parsed, done)
        people = _people_in_play(todo, rows, decider, now)
        if previous is None:
            seen = await lock_people(connection, people)
        else:
            # The batch in flight holds these people locked until it commits: start from
            # what it will commit, and check that once it has.
            seen = await read_people(connection, people)
            seen.update((p, h) for p, h in previous.people.items() if p in people)
        decider.book = LoadBook(seen, decider.book.window)
        batch = Batch(connection, now, rows, clocks, decider)
        for item in todo:
            await self._apply(batch, item)
        for record, error in poison:
            if dead_letter_id(record) not in done:
                _park(batch.writes, record, "undecodable", error, now, mark=True)
        if previous is not None:
            await previous.committed()
            locked = await lock_people(connection, people)
            if any(locked[p] != seen.get(p, PersonHistory()) for p in locked):
                log.info("person load changed under an overlapped batch: applying it again")
                return None
        batch.writes.people = decider.book.rows(now)
        return batch

    async def _finish(
        self,
        connection: Connection,
        transaction: Any,
        batch: Batch,
        after: Callable[[], None] | None,
    ) -> None:
        """Write and commit a prepared batch, hand its events on, count it, run ``after``.

        The events about escalations this batch created are handed to the relay (reserved
        before the commit, handed over right after it, with no wait between); any other
        event wakes the relay to read it (see ``relay``).
        """
        outbox, token, read = self._outbox, None, False
        handed: list[OutboxRow] = []
        try:
            ids = await batch.writes.flush(connection)
            if outbox is not None and outbox.leading:
                handed, read = _handed(batch, ids)
                token = outbox.reserve(handed) if handed else None
            else:  # another router's relay reads them: no envelope to serialise here
                read = bool(batch.writes.outbox)
            await transaction.commit()
        except BaseException:
            if outbox is not None and token is not None:
                outbox.release(token)
            await _abandon(self._pool, connection, transaction)
            raise
        if outbox is not None:
            if token is not None:
                outbox.hand_over(token, handed)
            if read or (handed and token is None):
                outbox.wake()
        await self._pool.release(connection)
        metrics.count_consumed(batch.applied)
        for outcome in batch.outcomes:
            observe(outcome, batch.now)
        metrics.count_assignments(batch.decider.book.assigned_now, batch.decider.config, batch.now)
        if after is not None:
            after()

    async def _apply(self, batch: Batch, item: Parsed) -> None:
        payload = item.payload
        # Every line logged while the event is applied carries its ids (docs/operations.md);
        # a schedule command's subject is a team or a person, not an escalation.
        subject = None if isinstance(payload, SCHEDULE_COMMANDS) else item.envelope.subject
        with log_context(escalation_id=subject, event_id=item.envelope.id):
            if isinstance(payload, SCHEDULE_COMMANDS):
                await self._schedule(batch, item, payload)
            else:
                self._escalation(batch, item)
        batch.writes.mark_processed(item.envelope.id, batch.now)
        batch.applied.append(item.envelope.type)

    async def _schedule(self, batch: Batch, item: Parsed, cmd: schedule.ScheduleCommand) -> None:
        error = schedule.problem(cmd, batch.decider.config)
        if error is not None:
            _park(batch.writes, item.record, "invalid_command", error, batch.now)
            return
        live = batch.decider.schedule
        applied = await schedule.apply(batch.connection, cmd, item.envelope.id, batch.now, live)
        if applied is not live:
            batch.decider.reschedule(applied)
        log.info("applied %s for %s", item.envelope.type, item.envelope.subject)

    def _escalation(self, batch: Batch, item: Parsed) -> None:
        esc_id = item.envelope.subject
        payload = item.payload
        placed = None
        if isinstance(payload, EscalationReceived):
            try:
                placed = refire.placed(batch.rows, esc_id, payload)
            except (ValueError, LookupError) as exc:
                _park(batch.writes, item.record, "handler_error", repr(exc), batch.now)
                return
            payload, esc_id = placed.event, placed.event.escalation_id
        row = batch.rows.get(esc_id)
        # ``__dict__``: most payloads have no ``by``, and a missing pydantic attribute raises.
        if row is None and is_system_actor(payload.__dict__.get("by", "")):
            # An integration closing an alert the router never saw (it fired before the
            # integration existed): nothing to do, and nothing an operator must replay.
            log.info("dropped %s for unknown escalation %s", item.envelope.type, esc_id)
            return
        if row is None and not isinstance(payload, EscalationReceived):
            _park(
                batch.writes,
                item.record,
                "unknown_escalation",
                f"no escalation {esc_id}",
                batch.now,
            )
            return
        owner = row.owner if row is not None else None
        try:
            if placed is not None:
                generation = placed.generation
                outcome = on_received(row, placed.event, batch.decider, batch.now, generation)
            else:
                assert row is not None
                outcome = COMMANDS[type(payload)](row, payload, batch.decider, batch.now)
        except (ValueError, LookupError, TypeError) as exc:
            # A bug or a configuration the core cannot apply to this input: park the event
            # with the error rather than block the partition.
            _park(batch.writes, item.record, "handler_error", repr(exc), batch.now)
            return
        if outcome.row is None:
            return
        new = row is None
        row = outcome.row
        batch.rows[esc_id] = row
        if new:
            batch.writes.escalations.append(row)
            batch.created.add(esc_id)
        elif esc_id not in batch.created:
            batch.writes.changed[esc_id] = row  # loaded: written back whole at the end
        self._clock(batch, row, outcome, owner)
        batch.writes.record(esc_id, outcome.changes, item.envelope.id, batch.now)
        if new and placed is not None and placed.predecessor is not None:
            predecessor, event_id = placed.predecessor, item.envelope.id
            refire.link(batch.writes, predecessor, batch.created, esc_id, event_id, batch.now)
        batch.writes.enqueue_all(esc_id, outcome.events, batch.now)
        batch.outcomes.append(outcome)

    def _clock(self, batch: Batch, row: EscalationRow, outcome: Outcome, owner: str | None) -> None:
        decider, now = batch.decider, batch.now
        esc_id = row.__dict__["id"]  # columns are in __dict__ (``rows.new_row``)
        clock = batch.clocks.get(esc_id)
        if clock is None:
            rescore_at = decider.rescore_at.get(esc_id)
            sla = decider.sla(Tier(row.__dict__["tier"]))
            clock = new_clock(
                row,
                sla,
                warning_share=decider.warning_share,
                rescore_at=rescore_at,
                now=row.__dict__["created_at"],
            )
            batch.clocks[esc_id] = clock
            batch.writes.clocks.append(clock)
            batch.created_clocks.add(esc_id)
        elif esc_id not in batch.created_clocks:
            batch.writes.changed_clocks[esc_id] = clock
        actions = {change.action for change in outcome.changes}
        if "reassigned" in actions:
            restart(row, clock, now)
            decider.book.closed(owner)
            if row.owner is not None:
                graphic = bool((row.assignment or {}).get("graphic"))
                decider.book.assigned(row.owner, now, graphic=graphic)
        elif "resolved" in actions:
            decider.book.closed(owner)
        timed = advance(row, clock, decider, now)
        outcome.changes.extend(timed.changes)
        outcome.events.extend(timed.events)


async def _abandon(pool: Pool, connection: Connection, transaction: Any) -> None:
    """Roll back and return the connection; a broken one is dropped by the pool."""
    try:
        try:
            await transaction.rollback()
        except asyncpg.InterfaceError:
            # Never started, or its COMMIT failed: end whatever the server still has open.
            if not connection.is_closed() and connection.is_in_transaction():
                await connection.execute("ROLLBACK")
    except ERRORS as exc:
        log.warning("rollback failed, dropping the connection: %s", exc)
    finally:
        await pool.release(connection)


def _handed(batch: Batch, ids: dict[str, int]) -> tuple[list[OutboxRow], bool]:
    """Return the outbox rows about escalations the batch created, and whether others remain.

    No transaction wrote about an escalation before the one that created it, so these rows
    can be published without reading the outbox for older ones with the same key.
    """
    handed: list[OutboxRow] = []
    others = False
    for row, envelope in zip(batch.writes.outbox, batch.writes.envelopes, strict=True):
        if row["key"] in batch.created:
            event_id = row["event_id"]
            handed.append((ids[event_id], event_id, row["topic"], row["key"], envelope.decode()))
        else:
            others = True
    return sorted(handed), others


def _received(parsed: Sequence[Parsed]) -> list[tuple[str, EscalationReceived]]:
    """Return the reports of a batch with the escalation each is addressed to."""
    return [
        (p.envelope.subject, p.payload) for p in parsed if isinstance(p.payload, EscalationReceived)
    ]


def _fresh(parsed: list[Parsed], done: set[str]) -> list[Parsed]:
    """Drop events already processed, and repeats of one event within the batch."""
    seen = set(done)
    fresh = []
    for item in parsed:
        if item.envelope.id in seen:
            continue
        seen.add(item.envelope.id)
        fresh.append(item)
    return fresh


def _people_in_play(
    todo: list[Parsed], rows: dict[str, EscalationRow], decider: BoundDecider, now: datetime
) -> set[str]:
    """Return everyone the batch may assign or release, to lock their load up front."""
    people: set[str] = set()
    for item in todo:
        payload = item.payload
        row = rows.get(item.envelope.subject)
        if isinstance(payload, EscalationReceived) and (row is None or row.status == "resolved"):
            try:
                people |= decider.candidates(payload, now)
            except (ValueError, LookupError):
                continue  # decide fails the same way later and parks the event
        elif isinstance(payload, (OverrideRequested, TimeOffRequested)):
            people.add(payload.person)
        elif row is not None and row.owner is not None:
            people.add(row.owner)
        if isinstance(payload, ReassignRequested):
            people.add(payload.to)
    return people


def _park(
    writes: store.Writes,
    record: Record,
    reason: str,
    error: str,
    now: datetime,
    *,
    mark: bool = False,
) -> None:
    synthetic_id = dead_letter_id(record)
    log.warning(
        "dead-lettered record (%s): %s",
        reason,
        error,
        extra={
            "partition": record.partition,
            "offset": record.offset,
            "dead_letter_id": synthetic_id,
        },
    )
    key = record.key.decode(errors="replace") if record.key else "unknown"
    writes.enqueue(ROUTER_DEADLETTER, key, synthetic_id, _dead_letter(record, reason, error), now)
    if mark:
        writes.mark_processed(synthetic_id, now)
    metrics.DEAD_LETTERS.labels(reason).inc()

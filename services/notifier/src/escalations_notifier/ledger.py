"""The delivery ledger: a row per (event, recipient, channel), written before sending.

It is also the retry queue. Status values:

* ``pending``: someone is sending it; ``next_attempt_at`` is when that lease runs out;
* ``retrying``: waiting for ``next_attempt_at``, then any notifier instance may send it;
* ``held``: a pager, webhook or chat message that fell in the recipient's quiet hours;
  ``next_attempt_at`` is when they end, and then the retry loop sends it like a retry;
* ``sent``, ``dead_lettered`` (parked in the DLQ topic), ``not_needed`` (a held message
  whose escalation was acknowledged or resolved first; ``last_error`` says when and by
  whom): final. ``skipped`` is final too (quiet hours before migration 0011).

A held message does not hold up its stream: later messages (a P0 after a rise) go out
at once. It is dropped when the notifier consumes the escalation's acknowledgement or
resolution, in the same partition order, so a release never races a close it has seen.

A redelivered event finds its rows and sends nothing that was sent. Each row names the
notifier instance that leased it (``owner``). A ``pending`` row whose lease ran out means
its sender died, or could not record the outcome, after it may have sent: the outcome is
unknown, so it is sent again, counted in ``redeliveries`` and marked as a redelivery
(receivers dedupe on ``X-Escalation-Event-Id``, PagerDuty on the dedup key). A restarted
instance takes its own pending rows back at once (``reclaim_own``). Rows of one stream
(escalation, recipient, channel) go out in the order they were written.

Every call is one round trip for a whole batch: that is the notifier's throughput lever.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from escalations.db.held import HeldConnections
from escalations_notifier.channels import Message
from escalations_notifier.ledger_sql import (
    CLAIM,
    CLAIM_AGAIN,
    DROP_HELD,
    FINISH,
    LEASE,
    PAGED,
    RECLAIM_OWN,
    WAKE,
)

PENDING = "pending"
RETRYING = "retrying"
SENT = "sent"
DEAD_LETTERED = "dead_lettered"
SKIPPED = "skipped"
HELD = "held"
NOT_NEEDED = "not_needed"
CLOSING_EVENTS = ("escalation.acknowledged", "escalation.resolved")
Key = tuple[str, str, str]
# Batches that may be claimed at once (the consume loop claims batches that share no
# escalation side by side): one held connection each.
CONCURRENT_CLAIMS = 3


@dataclass(frozen=True)
class Claimed:
    """The messages of a batch this process now owns; ``blocked`` wait behind older ones."""

    owned: frozenset[Key]
    blocked: frozenset[Key]
    held: frozenset[Key]


@dataclass(frozen=True)
class Outcome:
    """How one delivery ended for now."""

    key: Key
    status: str
    attempts: int
    error: str | None = None
    delay: float = 0.0


@dataclass(frozen=True)
class Stored:
    """A delivery row read back for a retry or a replay (the address is looked up again)."""

    key: Key
    escalation_id: str
    event_type: str
    event_time: datetime
    body: dict[str, Any]
    attempts: int
    status: str = PENDING
    last_error: str | None = None
    updated_at: datetime | None = None
    # The status the lease found: ``pending`` means an earlier attempt's outcome is unknown.
    found: str | None = None

    @property
    def redelivery(self) -> bool:
        """Return whether an earlier attempt may have reached the receiver (outcome unknown)."""
        return self.found == PENDING


class Ledger:
    """Reads and writes delivery rows, a batch per round trip."""

    def __init__(self, engine: AsyncEngine, lease_seconds: float, owner: str = "") -> None:
        self._engine = engine
        self._lease = lease_seconds
        self.owner = owner
        # The two statements on every batch's path get connections of their own (db/held.py).
        self._claims = HeldConnections(engine, CONCURRENT_CLAIMS)
        # Outcomes commit durably, like claims: an outcome a Postgres crash lost would leave
        # its row pending, to be sent again. The time from a send to its durable record is
        # the whole window in which a message can go out twice (docs/contract/guarantees.md,
        # "Duplicates: at-least-once, and only in one window"). Several connections, so that
        # batches' records overlap and share the WAL flushes instead of queueing behind each
        # other's.
        self._outcomes = HeldConnections(engine, CONCURRENT_CLAIMS)

    async def close(self) -> None:
        """Close the connections the ledger holds (the engine's pool is the caller's)."""
        await self._claims.close()
        await self._outcomes.close()

    async def claim(
        self,
        messages: Sequence[Message],
        held: Sequence[tuple[Message, str, datetime]],
        *,
        again: bool = False,
    ) -> Claimed:
        """Write rows for new messages; return the ones this process must send now.

        ``held`` are (message, reason, release instant): stored to go out at that instant.
        One statement, committed (durably) before it answers: nothing is sent unrecorded.
        ``again`` after a try whose outcome is unknown: rows that try wrote are taken too.
        """
        rows = [(m, PENDING, None, None) for m in messages] + [
            (m, HELD, reason, release) for m, reason, release in held
        ]
        if not rows:
            return Claimed(frozenset(), frozenset(), frozenset())
        naive = [
            m.event_id
            for m, _, _, release in rows
            if m.event_time.tzinfo is None or (release is not None and release.tzinfo is None)
        ]
        if naive:
            # JSON would carry it without an offset, and Postgres would guess one.
            raise ValueError(f"event time without a timezone in events {', '.join(naive)}")
        document = [
            {"e": m.event_id, "r": m.recipient, "c": m.channel, "x": m.escalation_id, "s": status,
             "err": reason, "t": m.event_type, "et": m.event_time, "b": m.body, "na": release}
            for m, status, reason, release in rows
        ]  # fmt: skip
        result = await self._claims.fetch(
            CLAIM_AGAIN if again else CLAIM,
            float(self._lease),
            orjson.dumps(document).decode(),
            self.owner,
        )
        owned = frozenset((r[0], r[1], r[2]) for r in result if r[3] == PENDING)
        blocked = frozenset((r[0], r[1], r[2]) for r in result if r[3] == PENDING and r[4])
        held_keys = frozenset((r[0], r[1], r[2]) for r in result if r[3] == HELD)
        return Claimed(owned, blocked, held_keys)

    async def drop_held(self, reasons: Mapping[str, str]) -> list[Key]:
        """Make the held rows of closed escalations final (``not_needed``, with the reason).

        ``reasons`` maps escalation id -> why. A row the retry loop has already leased is
        no longer held and goes out: its quiet hours were over before the close was seen.
        """
        if not reasons:
            return []
        document = [{"x": x, "why": why} for x, why in reasons.items()]
        rows = await self._claims.fetch(DROP_HELD, orjson.dumps(document).decode())
        return [(r[0], r[1], r[2]) for r in rows]

    async def finish(self, outcomes: Sequence[Outcome]) -> None:
        """Record where each delivery stands (sent, parked, or retrying after ``delay``)."""
        if not outcomes:
            return
        document = [
            {"e": o.key[0], "r": o.key[1], "c": o.key[2], "s": o.status, "a": o.attempts,
             "err": o.error, "delay": o.delay}
            for o in outcomes
        ]  # fmt: skip
        await self._outcomes.fetch(FINISH, orjson.dumps(document).decode())

    async def lease_due(self, limit: int) -> list[Stored]:
        """Lease up to ``limit`` rows that are due for a (re)try, oldest first."""
        async with self._engine.begin() as conn:
            params = {"lease": self._lease, "limit": limit, "owner": self.owner}
            rows = list((await conn.execute(LEASE, params)).all())
        rows.sort(key=lambda r: (r[8], r[5]))
        return [Stored((r[0], r[1], r[2]), r[3], r[4], r[5], r[6], r[7], found=r[9]) for r in rows]

    async def reclaim_own(self) -> int:
        """Make this instance's pending rows due now (after a restart); return how many."""
        return len(await self._claims.fetch(RECLAIM_OWN, self.owner))

    async def wake(self, channels: Sequence[str]) -> None:
        """Make the waiting retries of these channels due now (an endpoint answers again)."""
        if channels:
            await self._claims.fetch(WAKE, list(channels))

    async def paged(self, escalation_ids: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
        """Return, per escalation, the (recipient, channel) pairs with an open page."""
        ids = sorted(set(escalation_ids))
        found: dict[str, list[tuple[str, str]]] = {i: [] for i in ids}
        if not ids:
            return found
        async with self._engine.connect() as conn:
            for escalation_id, recipient, channel in await conn.execute(PAGED, {"ids": ids}):
                found[escalation_id].append((recipient, channel))
        return found

    async def parked(self) -> int:
        """Return how many deliveries are parked in the dead-letter topic."""
        async with self._engine.connect() as conn:
            stmt = text("SELECT count(*) FROM deliveries WHERE status = 'dead_lettered'")
            return int((await conn.execute(stmt)).scalar_one())

    async def dead_lettered(self, limit: int = 1000) -> list[Stored]:
        """Return parked deliveries, newest first."""
        stmt = text("""
            SELECT event_id, recipient, channel, escalation_id, event_type, event_time, body,
                   attempts, status, last_error, updated_at
            FROM deliveries WHERE status = 'dead_lettered'
            ORDER BY updated_at DESC LIMIT :limit
        """)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(stmt, {"limit": limit})).all()
        return [Stored((r[0], r[1], r[2]), *r[3:]) for r in rows]

    async def replay(self, keys: Sequence[Key]) -> list[Key]:
        """Hand parked deliveries back to the retry queue; return those that were parked."""
        if not keys:
            return []
        stmt = text("""
            UPDATE deliveries d SET status = 'retrying', attempts = 0, next_attempt_at = now(),
                   updated_at = now()
            FROM unnest(CAST(:e AS text[]), CAST(:r AS text[]), CAST(:c AS text[])) AS u(e, r, c)
            WHERE d.event_id = u.e AND d.recipient = u.r AND d.channel = u.c
              AND d.status = 'dead_lettered' AND d.body IS NOT NULL
            RETURNING d.event_id, d.recipient, d.channel
        """)
        params = {"e": [k[0] for k in keys], "r": [k[1] for k in keys], "c": [k[2] for k in keys]}
        async with self._engine.begin() as conn:
            rows = (await conn.execute(stmt, params)).all()
        return [(r[0], r[1], r[2]) for r in rows]

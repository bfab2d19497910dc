"""The delivery ledger: a row per (event, recipient, channel), written before sending.

It is also the retry queue. Status values:

* ``pending``: someone is sending it; ``next_attempt_at`` is when that lease runs out;
* ``retrying``: waiting for ``next_attempt_at``, then any notifier instance may send it;
* ``sent``, ``dead_lettered`` (parked in the DLQ topic), ``skipped`` (quiet hours): final.

A redelivered event finds its rows and sends nothing that was sent. A ``pending`` row whose
lease ran out means its sender died mid-send: it is sent again, at most once more (receivers
dedupe on ``X-Escalation-Event-Id``, PagerDuty on the dedup key). Rows of one stream
(escalation, recipient, channel) go out in the order they were written.

Every call is one round trip for a whole batch: that is the notifier's throughput lever.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from escalations.db.held import HeldConnection, HeldConnections
from escalations_notifier.channels import Message

PENDING = "pending"
RETRYING = "retrying"
SENT = "sent"
DEAD_LETTERED = "dead_lettered"
SKIPPED = "skipped"
CLOSING_EVENTS = ("escalation.acknowledged", "escalation.resolved")
Key = tuple[str, str, str]
# Batches that may be claimed at once (the consume loop claims batches that share no
# escalation side by side): one held connection each.
CONCURRENT_CLAIMS = 3
# The stream-order checks below say "unfinished" as "not final", on purpose: the planner
# then finds older rows by escalation id alone. Spelled IN ('pending', 'retrying') it also
# scans the partial index ix_deliveries_due, whose dead entries (every row passes through
# pending) pile up between vacuums: claims got slower the bigger the table grew (measured:
# 500 rows took 40 ms at 4,000 rows in the table, 300 ms at 32,000).

# The two hot statements run on held connections (asyncpg's $n parameters) and take their
# rows as one JSON document: encoding ten arrays element by element cost the client more.
_CLAIM = """
WITH ins AS (
  INSERT INTO deliveries (event_id, recipient, channel, escalation_id, status, attempts,
                          last_error, created_at, updated_at, event_type, event_time, body,
                          next_attempt_at)
  SELECT e, r, c, x, s, 0, err, now(), now(), t, et, b,
         CASE WHEN s = 'pending' THEN now() + make_interval(secs => $1) END
  FROM jsonb_to_recordset($2::text::jsonb)
       AS u(e text, r text, c text, x text, s text, err text, t text, et timestamptz, b jsonb)
  ON CONFLICT (event_id, recipient, channel) DO NOTHING
  RETURNING event_id, recipient, channel, escalation_id, status, created_at
)
SELECT ins.event_id, ins.recipient, ins.channel, ins.status,
       EXISTS (SELECT 1 FROM deliveries o
               WHERE o.escalation_id = ins.escalation_id AND o.recipient = ins.recipient
                 AND o.channel = ins.channel AND o.created_at < ins.created_at
                 AND o.status NOT IN ('sent', 'dead_lettered', 'skipped')) AS blocked
FROM ins
"""

_FINISH = """
UPDATE deliveries d
SET status = u.s, attempts = u.a, last_error = u.err, updated_at = now(),
    sent_at = CASE WHEN u.s = 'sent' THEN now() END,
    next_attempt_at = CASE WHEN u.s = 'retrying' THEN now() + make_interval(secs => u.delay) END
FROM jsonb_to_recordset($1::text::jsonb)
     AS u(e text, r text, c text, s text, a int, err text, delay float8)
WHERE d.event_id = u.e AND d.recipient = u.r AND d.channel = u.c
"""

# Take due rows whose stream has nothing older still unfinished, and lease them.
_LEASE = text("""
UPDATE deliveries d
SET status = 'pending', next_attempt_at = now() + make_interval(secs => :lease),
    updated_at = now()
FROM (
  SELECT q.event_id, q.recipient, q.channel FROM deliveries q
  WHERE q.status IN ('pending', 'retrying') AND q.next_attempt_at <= now()
    AND q.body IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM deliveries o
                    WHERE o.escalation_id = q.escalation_id AND o.recipient = q.recipient
                      AND o.channel = q.channel AND o.created_at < q.created_at
                      AND o.status NOT IN ('sent', 'dead_lettered', 'skipped'))
  ORDER BY q.next_attempt_at
  LIMIT :limit
  FOR UPDATE SKIP LOCKED
) due
WHERE d.event_id = due.event_id AND d.recipient = due.recipient AND d.channel = due.channel
RETURNING d.event_id, d.recipient, d.channel, d.escalation_id, d.event_type, d.event_time,
          d.body, d.attempts, d.created_at
""")

_PAGED = text("""
SELECT DISTINCT escalation_id, recipient, channel FROM deliveries
WHERE escalation_id = ANY(CAST(:ids AS text[])) AND channel IN ('pagerduty', 'webhook')
  AND status IN ('sent', 'pending', 'retrying')
  AND coalesce(event_type, '') NOT IN ('escalation.acknowledged', 'escalation.resolved')
ORDER BY escalation_id, recipient, channel
""")


@dataclass(frozen=True)
class Claimed:
    """The messages of a batch this process now owns; ``blocked`` wait behind older ones."""

    owned: frozenset[Key]
    blocked: frozenset[Key]
    skipped: frozenset[Key]


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


class Ledger:
    """Reads and writes delivery rows, a batch per round trip."""

    def __init__(self, engine: AsyncEngine, lease_seconds: float) -> None:
        self._engine = engine
        self._lease = lease_seconds
        # The two statements on every batch's path get connections of their own (db/held.py).
        self._claims = HeldConnections(engine, CONCURRENT_CLAIMS)
        # No fsync wait for outcomes: a Postgres crash that loses one leaves the row
        # pending, and it is sent at most once more, as after a notifier crash. Claims
        # keep the durable commit: they are the "written before sending" promise.
        self._outcomes = HeldConnection(engine, "SET synchronous_commit = off")

    async def close(self) -> None:
        """Close the connections the ledger holds (the engine's pool is the caller's)."""
        await self._claims.close()
        await self._outcomes.close()

    async def claim(
        self, messages: Sequence[Message], skipped: Sequence[tuple[Message, str]]
    ) -> Claimed:
        """Write rows for new messages; return the ones this process must send now.

        One statement, committed (durably) before it answers: nothing is sent unrecorded.
        """
        rows = [(m, PENDING, None) for m in messages] + [(m, SKIPPED, r) for m, r in skipped]
        if not rows:
            return Claimed(frozenset(), frozenset(), frozenset())
        naive = [m.event_id for m, _, _ in rows if m.event_time.tzinfo is None]
        if naive:
            # JSON would carry it without an offset, and Postgres would guess one.
            raise ValueError(f"event time without a timezone in events {', '.join(naive)}")
        document = [
            {"e": m.event_id, "r": m.recipient, "c": m.channel, "x": m.escalation_id, "s": status,
             "err": reason, "t": m.event_type, "et": m.event_time, "b": m.body}
            for m, status, reason in rows
        ]  # fmt: skip
        result = await self._claims.fetch(
            _CLAIM, float(self._lease), orjson.dumps(document).decode()
        )
        owned = frozenset((r[0], r[1], r[2]) for r in result if r[3] == PENDING)
        blocked = frozenset((r[0], r[1], r[2]) for r in result if r[3] == PENDING and r[4])
        skipped_keys = frozenset((r[0], r[1], r[2]) for r in result if r[3] == SKIPPED)
        return Claimed(owned, blocked, skipped_keys)

    async def finish(self, outcomes: Sequence[Outcome]) -> None:
        """Record where each delivery stands (sent, parked, or retrying after ``delay``)."""
        if not outcomes:
            return
        document = [
            {"e": o.key[0], "r": o.key[1], "c": o.key[2], "s": o.status, "a": o.attempts,
             "err": o.error, "delay": o.delay}
            for o in outcomes
        ]  # fmt: skip
        await self._outcomes.fetch(_FINISH, orjson.dumps(document).decode())

    async def lease_due(self, limit: int) -> list[Stored]:
        """Lease up to ``limit`` rows that are due for a (re)try, oldest first."""
        async with self._engine.begin() as conn:
            rows = list((await conn.execute(_LEASE, {"lease": self._lease, "limit": limit})).all())
        rows.sort(key=lambda r: (r[8], r[5]))
        return [Stored((r[0], r[1], r[2]), r[3], r[4], r[5], r[6], r[7]) for r in rows]

    async def paged(self, escalation_ids: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
        """Return, per escalation, the (recipient, channel) pairs with an open page."""
        ids = sorted(set(escalation_ids))
        found: dict[str, list[tuple[str, str]]] = {i: [] for i in ids}
        if not ids:
            return found
        async with self._engine.connect() as conn:
            for escalation_id, recipient, channel in await conn.execute(_PAGED, {"ids": ids}):
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

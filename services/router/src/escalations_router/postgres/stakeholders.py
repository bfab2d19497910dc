"""The stakeholder job's statements: watermarks, claims, packets' and digests' rows.

A handoff, a digest and a reminder are each claimed by a row (``shift_handoffs`` unique on
team and instant, ``team_digests`` keyed by team, lead and day, ``update_reminders`` by
escalation) inserted in the transaction that writes the event to the outbox: only the
transaction whose insert returned the row writes the event, so two instances, or a
restart, never send one twice (docs/router.md, "Stakeholders: reminders, handoffs, digests").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from escalations.contracts.stakeholders import ShiftHandoff
from escalations.core.packets import Item, Note
from escalations.core.sensitivity import stored_sensitive
from escalations_router.domain.records import ESCALATION_FIELDS, Escalation
from escalations_router.domain.reminders import Sent
from escalations_router.postgres.db import Connection, Record
from escalations_router.postgres.store import escalations_of

# --- handoffs ------------------------------------------------------------------------------

# A team seen for the first time starts from now: no flood of past handoffs.
_NEW_WATERMARK = """
INSERT INTO handoff_watermarks (team, through, updated_at) VALUES ($1, $2, $2)
ON CONFLICT (team) DO NOTHING RETURNING through
"""
# Another instance working on the team holds the row: skip it this round, do not wait.
_LOCK_WATERMARK = "SELECT through FROM handoff_watermarks WHERE team = $1 FOR UPDATE SKIP LOCKED"
_MOVE_WATERMARK = "UPDATE handoff_watermarks SET through = $2, updated_at = $2 WHERE team = $1"
_CLAIM_HANDOFF = """
INSERT INTO shift_handoffs (id, team, at, outgoing, incoming, packet, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id
"""
_ITEM_COLUMNS = """id, title, tier, status, source, owner, policy_area, request->'signals',
  created_at, acknowledge_by, resolve_by, regulatory_deadline, acknowledged_at, resolved_at"""
_OPEN_ITEMS = f"SELECT {_ITEM_COLUMNS} FROM escalations WHERE team = $1 AND status <> 'resolved'"  # noqa: S608
_NOTES = """
SELECT id, "by", text, at FROM handoff_notes WHERE team = $1 AND at >= $2 AND at <= $3
ORDER BY at DESC, id DESC LIMIT $4
"""
NOTES_LIMIT = 50


async def watermark(connection: Connection, team: str, now: datetime) -> datetime | None:
    """Return the team's watermark, locked; None for a new team (set to now) or a busy one."""
    if await connection.fetchval(_NEW_WATERMARK, team, now) is not None:
        return None
    through: datetime | None = await connection.fetchval(_LOCK_WATERMARK, team)
    return through


async def move_watermark(connection: Connection, team: str, through: datetime) -> None:
    """Record that the team's handoffs up to ``through`` are found and sent."""
    await connection.execute(_MOVE_WATERMARK, team, through)


def _item(record: Record) -> Item:
    (esc_id, title, tier, status, source, owner, area, signals, *instants) = record
    sensitive = stored_sensitive(area, {"signals": signals})
    return Item(esc_id, title, tier, status, source, owner, sensitive, *instants)


async def open_items(connection: Connection, team: str) -> list[Item]:
    """Return the team's open escalations as packet items."""
    return [_item(r) for r in await connection.fetch(_OPEN_ITEMS, team)]


async def notes(connection: Connection, team: str, since: datetime, until: datetime) -> list[Note]:
    """Return the team's handoff notes in [since, until]: the newest few, oldest first."""
    rows = await connection.fetch(_NOTES, team, since, until, NOTES_LIMIT)
    return [Note(*row) for row in reversed(rows)]


async def claim_handoff(connection: Connection, packet: ShiftHandoff, now: datetime) -> bool:
    """Insert the handoff's row with its packet; return whether it is new (so: send it)."""
    inserted = await connection.fetchval(
        _CLAIM_HANDOFF,
        packet.handoff_id,
        packet.team,
        packet.at,
        list(packet.outgoing),
        list(packet.incoming),
        packet.model_dump(mode="json"),
        now,
    )
    return inserted is not None


# --- digests -------------------------------------------------------------------------------

_CLAIM_DIGEST = """
INSERT INTO team_digests (team, lead, day, event_id, created_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT DO NOTHING RETURNING event_id
"""
_SENT_DIGESTS = "SELECT team, lead, day FROM team_digests WHERE day = ANY($1::date[])"
# The team's escalations open at some point of the period: still open, or created or
# resolved since its start.
_DIGEST_ITEMS = f"""
SELECT {_ITEM_COLUMNS} FROM escalations
WHERE team = $1 AND created_at < $3 AND (status <> 'resolved' OR resolved_at >= $2
  OR created_at >= $2)
"""  # noqa: S608


async def sent_digests(connection: Connection, days: Iterable[date]) -> set[tuple[str, str, date]]:
    """Return the (team, lead, day) digests already sent for any of ``days``."""
    wanted = sorted(set(days))
    rows = await connection.fetch(_SENT_DIGESTS, wanted)
    return {(r[0], r[1], r[2]) for r in rows}


async def digest_items(
    connection: Connection, team: str, start: datetime, end: datetime
) -> list[Item]:
    """Return the team's escalations the digest of [start, end) counts."""
    return [_item(r) for r in await connection.fetch(_DIGEST_ITEMS, team, start, end)]


async def claim_digest(
    connection: Connection, team: str, lead: str, day: date, event_id: str, now: datetime
) -> bool:
    """Insert the digest's row; return whether it is new (so: send it)."""
    inserted = await connection.fetchval(_CLAIM_DIGEST, team, lead, day, event_id, now)
    return inserted is not None


# --- update reminders -----------------------------------------------------------------------

# Candidates, without locks: open escalations of the reminded tiers with an owner, whose
# next round is due (round 1 of a new anchor, or the round after the last one sent).
_DUE_REMINDERS = """
WITH c AS (
  SELECT e.id, greatest(e.created_at,
           (SELECT max(u.at) FROM escalation_updates AS u WHERE u.escalation_id = e.id)) AS anchor
  FROM escalations AS e
  WHERE e.status <> 'resolved' AND e.tier = ANY($1::text[]) AND e.owner IS NOT NULL)
SELECT c.id FROM c LEFT JOIN update_reminders AS r ON r.escalation_id = c.id
WHERE c.anchor + $2::interval * (CASE WHEN r.anchor = c.anchor THEN r.round ELSE 0 END + 1) <= $3
ORDER BY c.id LIMIT $4
"""
_LOCK = (
    f"SELECT {', '.join(ESCALATION_FIELDS)} FROM escalations "  # noqa: S608 (field names)
    "WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE SKIP LOCKED"
)
_LAST_UPDATES = """
SELECT escalation_id, max(at) FROM escalation_updates
WHERE escalation_id = ANY($1::text[]) GROUP BY escalation_id
"""
_SENT = """
SELECT escalation_id, anchor, round FROM update_reminders WHERE escalation_id = ANY($1::text[])
"""
_RECORD_REMINDER = """
INSERT INTO update_reminders (escalation_id, anchor, round, due_at, sent_at)
SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::int[], $4::timestamptz[],
  $5::timestamptz[])
ON CONFLICT (escalation_id) DO UPDATE SET anchor = excluded.anchor, round = excluded.round,
  due_at = excluded.due_at, sent_at = excluded.sent_at
"""


async def lock_due_reminders(
    connection: Connection, tiers: Sequence[str], interval: timedelta, now: datetime, limit: int
) -> tuple[list[Escalation], dict[str, datetime], dict[str, Sent]]:
    """Lock the escalations whose reminder may be due; return them, last updates, last sent.

    Rows another transaction holds (a batch applying an update, say) are skipped, left for
    the next round; the caller decides under the lock (``domain.reminders``).
    """
    ids = [r[0] for r in await connection.fetch(_DUE_REMINDERS, list(tiers), interval, now, limit)]
    if not ids:
        return [], {}, {}
    rows = escalations_of(await connection.fetch(_LOCK, ids))
    locked = [row.id for row in rows]
    updates = {r[0]: r[1] for r in await connection.fetch(_LAST_UPDATES, locked)}
    sent = {r[0]: Sent(r[1], r[2]) for r in await connection.fetch(_SENT, locked)}
    return rows, updates, sent


async def record_reminders(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Store the reminders sent: per escalation its anchor, round, due and sent instants."""
    if not rows:
        return
    columns = ("escalation_id", "anchor", "round", "due_at", "sent_at")
    await connection.execute(_RECORD_REMINDER, *([r[c] for r in rows] for c in columns))

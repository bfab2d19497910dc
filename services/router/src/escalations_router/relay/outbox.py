"""The relay's statements on the outbox: the lead, and marking sent while reading on."""

from __future__ import annotations

import logging
from datetime import datetime

from escalations_router.postgres import db
from escalations_router.postgres.db import Connection

log = logging.getLogger(__name__)

# Any constant works; it only has to be the same for every router instance.
RELAY_LOCK_KEY = 0x6573_6361_6C61_7465
CLOSE_ERRORS: tuple[type[Exception], ...] = (*db.ERRORS, TimeoutError)
Row = tuple[int, str, str, str, str]  # id, event id, topic, key, envelope as JSON text

# Marks the rows the relay has just published and reads the next unsent ones in one round
# trip. Both parts see the statement's snapshot, where the rows being marked still look
# unsent: the read leaves them out by id, and the rows still in flight too. The envelope
# comes as Postgres prints it: valid JSON, and no decode/encode round trip here. Outside a
# transaction each statement commits on its own: a round is one trip, without BEGIN/COMMIT.
MARK_AND_NEXT = """
WITH marked AS (
  UPDATE outbox SET sent_at = $1 WHERE id = ANY($2::bigint[]) AND sent_at IS NULL
)
SELECT id, event_id, topic, key, CAST(envelope AS text)
FROM outbox
WHERE sent_at IS NULL AND NOT (id = ANY($3::bigint[])) AND NOT (key = ANY($5::text[]))
ORDER BY id
LIMIT $4
"""


async def lead(conn: Connection) -> bool:
    """Try to take the lead on this connection's session; return whether it did."""
    return bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", RELAY_LOCK_KEY))


async def mark_and_next(
    conn: Connection, now: datetime, sent: list[int], skip: list[int], limit: int, keys: list[str]
) -> list[Row]:
    """Mark ``sent`` as sent and read up to ``limit`` unsent rows, leaving out ``skip``/``keys``."""
    rows: list[Row] = await conn.fetch(MARK_AND_NEXT, now, sent, skip, limit, keys)
    return rows


async def close(conn: Connection) -> None:
    """Close the relay's connection (and with it the lead); drop it if that fails."""
    try:
        await conn.close(timeout=5)
    except CLOSE_ERRORS as exc:
        log.warning("relay connection did not close cleanly, dropping it: %s", exc)
        conn.terminate()

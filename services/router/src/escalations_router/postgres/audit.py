"""Append the router's own actions to the audit log, in the batch's transaction (asyncpg).

The same rule as ``escalations.audit.store.append_many``, on the router's plain asyncpg
connection: take the appenders' advisory lock, read the last entry in a statement of its
own (so it sees what the previous holder committed), chain the batch's entries after it
(``escalations.audit.chain.seal``) and insert them in one statement. It runs after the
batch's other writes, so while the lock is held the transaction takes no other lock and
only commits (docs/contract/audit.md, "The hash chain").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from escalations.audit.chain import GENESIS, Draft, seal
from escalations.audit.store import AUDIT_LOCK, LAST_ENTRY
from escalations_router.postgres.db import Connection, as_json

_LOCK = "SELECT pg_advisory_xact_lock($1)"
_INSERT = """INSERT INTO audit_log
    SELECT * FROM jsonb_populate_recordset(NULL::audit_log, CAST($1::text AS jsonb))"""


async def append_many(connection: Connection, drafts: Sequence[Draft]) -> list[int]:
    """Append ``drafts`` in order in the connection's transaction; return their seqs."""
    if not drafts:
        return []
    await connection.execute(_LOCK, AUDIT_LOCK)
    last = await connection.fetchrow(LAST_ENTRY)
    seq, prev = (1, GENESIS) if last is None else (int(last["seq"]) + 1, str(last["hash"]))
    entries = seal(drafts, seq, prev)
    await connection.execute(_INSERT, as_json([asdict(entry) for entry in entries]))
    return [entry.seq for entry in entries]

"""The escalation and clock store: load and lock records, and the batch's one write.

Escalations and clocks come back as the domain's records (``domain.records``), built from
the columns selected in the records' field order; they go back, with the history and the
outbox, in one statement at the end of the transaction (``writes.Writes``, also named
here: ``store.Writes``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from escalations_router.domain.records import CLOCK_FIELDS, ESCALATION_FIELDS, Clock, Escalation
from escalations_router.postgres.db import Connection, Record
from escalations_router.postgres.writes import CONSUMER as CONSUMER
from escalations_router.postgres.writes import Writes as Writes

# The columns of each table in its record's field order (``escalations_of``, ``clocks_of``).
ESCALATION_COLUMNS = ", ".join(ESCALATION_FIELDS)
CLOCK_COLUMNS = ", ".join(CLOCK_FIELDS)
# Sorted: every writer locks escalations in id order, so two batches never deadlock.
_LOCK_ROWS = (
    f"SELECT {ESCALATION_COLUMNS} FROM escalations "  # noqa: S608 (the records' field names)
    "WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE"
)
_CLOCKS = f"SELECT {CLOCK_COLUMNS} FROM router_clocks WHERE escalation_id = ANY($1::text[])"  # noqa: S608


def escalations_of(records: Iterable[Record]) -> list[Escalation]:
    """Return the escalations in rows that select ``ESCALATION_COLUMNS``, in that order."""
    # Positional: a third of the cost of building by name, on every row loaded.
    return [Escalation(*record) for record in records]


def clocks_of(records: Iterable[Record]) -> list[Clock]:
    """Return the clocks in rows that select ``CLOCK_COLUMNS``, in that order."""
    return [Clock(*record) for record in records]


async def lock_rows(connection: Connection, ids: Iterable[str]) -> dict[str, Escalation]:
    """Load and lock the escalations a batch touches (one query)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    records = await connection.fetch(_LOCK_ROWS, wanted)
    return {row.id: row for row in escalations_of(records)}


async def load_clocks(connection: Connection, ids: Iterable[str]) -> dict[str, Clock]:
    """Load the clocks of escalations whose rows this transaction has locked."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    records = await connection.fetch(_CLOCKS, wanted)
    return {clock.escalation_id: clock for clock in clocks_of(records)}


# The escalations whose clocks are due, soonest first, locked; rows another transaction
# holds are skipped, not waited for (the timer sweep).
_DUE = (
    f"SELECT {', '.join(f'e.{name}' for name in ESCALATION_FIELDS)} "  # noqa: S608 (as above)
    "FROM escalations AS e JOIN router_clocks AS c ON c.escalation_id = e.id "
    "WHERE c.due_at <= $1 ORDER BY c.due_at LIMIT $2 FOR UPDATE OF e SKIP LOCKED"
)


async def lock_due(connection: Connection, at: datetime, limit: int) -> list[Escalation]:
    """Load and lock up to ``limit`` escalations whose clocks are due by ``at``, soonest first.

    Escalations another transaction holds are skipped, left for the next sweep.
    """
    return escalations_of(await connection.fetch(_DUE, at, limit))

"""Per-person assignment load in Postgres: lock or read the people a batch may assign.

The rows (``router_person_load``) are shared by all routers; a batch locks the people in
play before deciding and writes their ``LoadBook`` back at its end (``postgres.writes``).
"""

from __future__ import annotations

from collections.abc import Iterable

from escalations.core.assignment import PersonHistory
from escalations.db.live_state import histories_of, read_load
from escalations_router.postgres.db import Connection

# One statement creates missing rows and locks all of them, in person order (the VALUES are
# processed in that order), so two batches never deadlock on people.
_LOCK = (
    "INSERT INTO router_person_load (person, open_count, assigned_total, graphic_at) "
    "SELECT p, 0, 0, '[]'::jsonb FROM unnest($1::text[]) AS p ORDER BY p "
    "ON CONFLICT (person) DO UPDATE SET person = EXCLUDED.person "
    "RETURNING person, last_assigned_at, open_count, graphic_at"
)


async def read_people(connection: Connection, people: Iterable[str]) -> dict[str, PersonHistory]:
    """Load these people without locking them (missing people are left out)."""
    return await read_load(connection, people)


async def lock_people(connection: Connection, people: Iterable[str]) -> dict[str, PersonHistory]:
    """Create missing rows, then lock and load these people in a fixed order (no deadlocks)."""
    wanted = sorted(set(people))
    if not wanted:
        return {}
    return histories_of(await connection.fetch(_LOCK, wanted))

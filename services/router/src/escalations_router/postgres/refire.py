"""Re-fire locks: the incarnations a report may walk to, locked with the rows it names.

Where a report goes is the domain's rule (``domain.refire``); this module locks, in id
order, what the rule needs past the rows a batch loaded, and records a link in the
batch's writes (docs/refires-and-retries.md, "Re-fires").
"""

from __future__ import annotations

from datetime import datetime

from escalations.contracts.events import EscalationReceived
from escalations.core.refire import Missing
from escalations_router.domain.records import Escalation
from escalations_router.domain.refire import Rows, follow, placed_or_missing
from escalations_router.postgres import store
from escalations_router.postgres.db import Connection

# The links asked for and the newest incarnation of each key, locked in id order.
# Built from the records' field names, never from input.
_LOCK_LINKS = f"""SELECT {store.ESCALATION_COLUMNS} FROM escalations
WHERE id = ANY($1::text[]) OR id IN (
  SELECT (SELECT e.id FROM escalations AS e
          WHERE e.source = k.source AND e.external_id = k.external_id
          ORDER BY e.generation DESC LIMIT 1)
  FROM unnest($2::text[], $3::text[]) AS k(source, external_id))
ORDER BY id FOR UPDATE"""  # noqa: S608


async def lock_links(
    connection: Connection, rows: Rows, events: list[tuple[str, EscalationReceived]]
) -> None:
    """Lock what the reports walk to past the rows loaded: each key's newest incarnation.

    Nothing to do unless a report is addressed to a resolved escalation with a successor.
    A successor created by another router after a lock's snapshot is found by the next
    round; each missing link is asked for once at most.
    """
    tried: set[str] = set()
    while True:
        wanted: set[str] = set()
        keys: set[tuple[str, str]] = set()
        for subject, event in events:
            found = placed_or_missing(rows, subject, event)
            if isinstance(found, Missing) and found.id not in tried:
                wanted.add(found.id)
                keys.add((event.source, event.request.external_id or ""))
        if not wanted:
            return
        tried |= wanted
        sources, external_ids = [k[0] for k in keys], [k[1] for k in keys]
        records = await connection.fetch(_LOCK_LINKS, sorted(wanted), sources, external_ids)
        rows.update((row.id, row) for row in store.escalations_of(records))


def link(
    writes: store.Writes,
    predecessor: Escalation,
    created: set[str],
    successor: str,
    event_id: str,
    now: datetime,
) -> None:
    """Point a resolved escalation at the one that followed it, with a history entry."""
    change = follow(predecessor, successor, now)
    esc_id = predecessor.id
    writes.record(esc_id, [change], event_id, now)
    if esc_id not in created:
        writes.changed[esc_id] = predecessor  # loaded: written back whole at the end

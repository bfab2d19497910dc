"""Re-fires in the router: lock the incarnations a report may go to, place it, link the two.

The router makes the final decision (``escalations.core.refire.place``) from the rows it
holds locked. A report addressed to a resolved escalation (the intake publishes every
report to generation 0 first, and may have read before a resolve was applied) goes on to
the newest incarnation; one for a new incarnation whose predecessor is still open merges
into the predecessor. A new incarnation is created only under the lock of the one it
follows, which gets ``followed_by`` in the same transaction, so two routers cannot both
create it (docs/architecture.md, "Re-fires").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from escalations.contracts.events import EscalationReceived, Status
from escalations.contracts.ids import escalation_id
from escalations.core.refire import Incarnation, Missing, Placement, place
from escalations.db.models import EscalationRow
from escalations_router import store
from escalations_router.db import Connection, rows_of
from escalations_router.state import Change

Rows = dict[str, EscalationRow]
# The links asked for and the newest incarnation of each key, locked in id order.
_LOCK_LINKS = """SELECT * FROM escalations WHERE id = ANY($1::text[]) OR id IN (
  SELECT (SELECT e.id FROM escalations AS e
          WHERE e.source = k.source AND e.external_id = k.external_id
          ORDER BY e.generation DESC LIMIT 1)
  FROM unnest($2::text[], $3::text[]) AS k(source, external_id))
ORDER BY id FOR UPDATE"""


def incarnation(row: EscalationRow | None) -> Incarnation | None:
    """Return what re-fires need of a row."""
    if row is None:
        return None
    values = row.__dict__  # every column is there (``rows.new_row``, ``db.rows_of``)
    return Incarnation(
        values["id"],
        values["generation"],
        values["status"] == Status.RESOLVED,
        values["followed_by"],
    )


def placement(rows: Rows, subject: str, event: EscalationReceived) -> Placement | Missing:
    """Return where a report addressed to ``subject`` goes, given the rows loaded."""
    external_id = event.request.external_id
    if external_id is None:  # a fresh id per report: nothing to merge into or follow
        return Placement(subject, 0, merge=subject in rows)
    return place(
        subject,
        event.follows,
        lambda esc_id: incarnation(rows.get(esc_id)),
        lambda generation: escalation_id(event.source, external_id, generation),
        lambda: incarnation(_newest(rows, event.source, external_id)),
    )


def _newest(rows: Rows, source: str, external_id: str) -> EscalationRow | None:
    """Return the loaded row of the key with the highest generation (walks past links)."""
    same = [
        row
        for row in rows.values()
        if row.__dict__["external_id"] == external_id and row.__dict__["source"] == source
    ]
    return max(same, key=lambda row: int(row.__dict__["generation"]), default=None)


def linked(events: Iterable[tuple[str, EscalationReceived]]) -> set[str]:
    """Return the predecessors reports name, to lock with the rows they are addressed to."""
    return {event.follows for _, event in events if event.follows is not None}


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
            found = _placed(rows, subject, event)
            if isinstance(found, Missing) and found.id not in tried:
                wanted.add(found.id)
                keys.add((event.source, event.request.external_id or ""))
        if not wanted:
            return
        tried |= wanted
        sources, external_ids = [k[0] for k in keys], [k[1] for k in keys]
        records = await connection.fetch(_LOCK_LINKS, sorted(wanted), sources, external_ids)
        rows.update((row.id, row) for row in rows_of(EscalationRow, records))


def _placed(rows: Rows, subject: str, event: EscalationReceived) -> Placement | Missing | None:
    try:
        return placement(rows, subject, event)
    except ValueError:
        return None  # a broken chain: the handler parks the event with the error


@dataclass(frozen=True)
class Placed:
    """A report as the router applies it: the event addressed to its final escalation."""

    event: EscalationReceived
    generation: int
    predecessor: EscalationRow | None


def placed(rows: Rows, subject: str, event: EscalationReceived) -> Placed:
    """Return the report readdressed to where it goes; raise LookupError for a lost link."""
    found = placement(rows, subject, event)
    if isinstance(found, Missing):
        raise LookupError(f"escalation {found.id} is linked but not stored")
    if found.id != event.escalation_id or found.follows != event.follows:
        event = event.model_copy(update={"escalation_id": found.id, "follows": found.follows})
    predecessor = rows.get(found.follows) if found.follows is not None else None
    return Placed(event, found.generation, predecessor)


def link(
    writes: store.Writes,
    predecessor: EscalationRow,
    created: set[str],
    successor: str,
    event_id: str,
    now: datetime,
) -> None:
    """Point a resolved escalation at the one that followed it, with a history entry."""
    predecessor.followed_by = successor
    predecessor.updated_at = now
    predecessor.version += 1
    esc_id = predecessor.id
    reason = f"fired again: new escalation {successor} follows it"
    change = Change("followed", predecessor.source, Status.RESOLVED, Status.RESOLVED, reason)
    writes.record(esc_id, [change], event_id, now)
    if esc_id not in created:
        writes.changed[esc_id] = predecessor  # loaded: written back whole at the end

"""Re-fires in the router: where a report goes among the incarnations held, and the link.

The router makes the final decision (``escalations.core.refire.place``) from the rows it
holds locked. A report addressed to a resolved escalation (the intake publishes every
report to generation 0 first, and may have read before a resolve was applied) goes on to
the newest incarnation; one for a new incarnation whose predecessor is still open merges
into the predecessor. A new incarnation is created only under the lock of the one it
follows, which gets ``followed_by`` in the same transaction, so two routers cannot both
create it (docs/refires-and-retries.md, "Re-fires"). The locks are ``postgres.refire``'s. No I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from escalations.contracts.events import EscalationReceived, Status
from escalations.contracts.ids import escalation_id
from escalations.core.refire import Incarnation, Missing, Placement, place
from escalations_router.domain.outcome import Change
from escalations_router.domain.records import Escalation

Rows = dict[str, Escalation]


def incarnation(row: Escalation | None) -> Incarnation | None:
    """Return what re-fires need of a row."""
    if row is None:
        return None
    return Incarnation(row.id, row.generation, row.status == Status.RESOLVED, row.followed_by)


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


def _newest(rows: Rows, source: str, external_id: str) -> Escalation | None:
    """Return the loaded row of the key with the highest generation (walks past links)."""
    same = [row for row in rows.values() if row.external_id == external_id and row.source == source]
    return max(same, key=lambda row: row.generation, default=None)


def linked(events: Iterable[tuple[str, EscalationReceived]]) -> set[str]:
    """Return the predecessors reports name, to lock with the rows they are addressed to."""
    return {event.follows for _, event in events if event.follows is not None}


def placed_or_missing(
    rows: Rows, subject: str, event: EscalationReceived
) -> Placement | Missing | None:
    try:
        return placement(rows, subject, event)
    except ValueError:
        return None  # a broken chain: the handler parks the event with the error


@dataclass(frozen=True)
class Placed:
    """A report as the router applies it: the event addressed to its final escalation."""

    event: EscalationReceived
    generation: int
    predecessor: Escalation | None


def placed(rows: Rows, subject: str, event: EscalationReceived) -> Placed:
    """Return the report readdressed to where it goes; raise LookupError for a lost link."""
    found = placement(rows, subject, event)
    if isinstance(found, Missing):
        raise LookupError(f"escalation {found.id} is linked but not stored")
    if found.id != event.escalation_id or found.follows != event.follows:
        event = event.model_copy(update={"escalation_id": found.id, "follows": found.follows})
    predecessor = rows.get(found.follows) if found.follows is not None else None
    return Placed(event, found.generation, predecessor)


def follow(predecessor: Escalation, successor: str, now: datetime) -> Change:
    """Point a resolved escalation at the one that followed it; return the history entry."""
    predecessor.followed_by = successor
    predecessor.updated_at = now
    predecessor.version += 1
    reason = f"fired again: new escalation {successor} follows it"
    return Change("followed", predecessor.source, Status.RESOLVED, Status.RESOLVED, reason)

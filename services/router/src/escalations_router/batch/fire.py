"""Fire what is due on an escalation's clock, and book it with the transaction's writes.

Both the batch (after applying an event) and the timer sweep (``sweep``) do this: advance
the clock (``domain.timers.advance``), mark the escalation and clock to be written back,
append the history, the outgoing events and the audit entries of what the router did by
itself (``domain.own_actions``), and keep the outcome to observe once committed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from escalations_router.domain.outcome import Outcome
from escalations_router.domain.own_actions import own_actions
from escalations_router.domain.records import Clock, Escalation
from escalations_router.domain.rise import Clockwork
from escalations_router.domain.timers import advance
from escalations_router.postgres.writes import Writes


@dataclass(kw_only=True)
class Ledger:
    """What one transaction writes, and the outcomes to observe once it commits."""

    writes: Writes = field(default_factory=Writes)
    outcomes: list[Outcome] = field(default_factory=list)
    # Escalations and clocks this transaction creates: inserted in their final state,
    # never updated.
    created: set[str] = field(default_factory=set)
    created_clocks: set[str] = field(default_factory=set)


def fire(
    ledger: Ledger,
    row: Escalation,
    clock: Clock,
    works: Clockwork,
    now: datetime,
    *,
    event_id: str | None = None,
    outcome: Outcome | None = None,
) -> None:
    """Apply what is due on ``clock`` by ``now`` and book it in ``ledger``.

    ``outcome`` is what the event ``event_id`` did to the escalation just before; the
    clock's changes and events follow its own.
    """
    from_level = row.level
    timed = advance(row, clock, works, now)
    if timed.events:  # the router's own actions go to the audit log with the change
        ledger.writes.audit.extend(own_actions(row.id, from_level, timed.events, now))
    if outcome is None:
        outcome = timed
    else:
        outcome.changes.extend(timed.changes)
        outcome.events.extend(timed.events)
    esc_id = row.id
    writes = ledger.writes
    if esc_id not in ledger.created:
        writes.changed[esc_id] = row  # loaded: written back whole at the end
    if esc_id not in ledger.created_clocks:
        writes.changed_clocks[esc_id] = clock
    writes.record(esc_id, outcome.changes, event_id, now)
    writes.enqueue_all(esc_id, outcome.events, now)
    ledger.outcomes.append(outcome)

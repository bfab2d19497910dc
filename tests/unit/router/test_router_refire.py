"""The router's side of re-fires over rows: readdress a report, link the two escalations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from escalations.contracts.events import EscalationReceived
from escalations.contracts.ids import escalation_id
from escalations.core.escalation import EscalationIn, SourceKind
from escalations_router.domain import refire
from escalations_router.domain.records import Escalation
from escalations_router.postgres import refire as refire_sql
from escalations_router.postgres import store

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
KEY = "fp-9"
G0, G1 = escalation_id("am", KEY), escalation_id("am", KEY, 1)


def _row(esc_id: str, generation: int, status: str, **extra: Any) -> Escalation:
    return Escalation(
        id=esc_id,
        source="am",
        source_kind="monitoring",
        status=status,
        title="Disk full",
        policy_area="spam",
        tier="P4",
        score=1,
        request={},
        priority={},
        received_at=NOW,
        created_at=NOW,
        generation=generation,
        followed_by=None,
        version=3,
        updated_at=NOW,
        **extra,
    )


def _report(subject: str, follows: str | None = None, external_id: str | None = KEY) -> Any:
    return EscalationReceived(
        escalation_id=subject,
        source="am",
        source_kind=SourceKind.MONITORING,
        received_at=NOW,
        request=EscalationIn(external_id=external_id, title="Disk full", policy_area="spam"),
        follows=follows,
    )


def test_a_report_to_a_resolved_escalation_is_readdressed_to_the_next_one() -> None:
    """The event the state machine sees names the new id and what it follows."""
    old = _row(G0, 0, "resolved")
    placed = refire.placed({G0: old}, G0, _report(G0))
    assert (G1, G0, 1, old) == (
        placed.event.escalation_id,
        placed.event.follows,
        placed.generation,
        placed.predecessor,
    )


def test_a_report_to_the_open_escalation_is_left_as_it_is() -> None:
    """No re-fire, no copy: the same event, no predecessor."""
    event = _report(G0)
    placed = refire.placed({G0: _row(G0, 0, "assigned")}, G0, event)
    assert (event, None) == (placed.event, placed.predecessor)


def test_a_report_without_external_id_never_walks() -> None:
    """A resolved escalation of a report without key takes the repeat (it has no successor)."""
    event = _report("e-1", external_id=None)
    placed = refire.placed({"e-1": _row("e-1", 0, "resolved")}, "e-1", event)
    assert ("e-1", None) == (placed.event.escalation_id, placed.predecessor)


def test_a_successor_linked_but_not_loaded_is_an_error() -> None:
    """A lost link is refused (the batch parks the event) rather than creating a second row."""
    linked = _row(G0, 0, "resolved")
    linked.followed_by = G1
    with pytest.raises(LookupError, match=G1):
        refire.placed({G0: linked}, G0, _report(G0))


def test_linking_marks_the_old_escalation_and_records_it() -> None:
    """followed_by, a new version and one history entry; a loaded row is written back."""
    old, writes = _row(G0, 0, "resolved"), store.Writes()
    refire_sql.link(writes, old, set(), G1, "ev-1", NOW)
    assert (G1, 4, {G0: old}) == (old.followed_by, old.version, writes.changed)
    ((entry),) = writes.history
    expected = ("followed", "resolved", f"fired again: new escalation {G1} follows it")
    assert expected == (entry["action"], entry["to_status"], entry["reason"])


def test_linking_a_row_created_in_the_batch_writes_it_once() -> None:
    """A predecessor the same batch created is inserted in its final state, not updated."""
    old, writes = _row(G0, 0, "resolved"), store.Writes()
    refire_sql.link(writes, old, {G0}, G1, "ev-1", NOW)
    assert ({}, G1) == (writes.changed, old.followed_by)

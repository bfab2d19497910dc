"""A reveal of sensitive content: its history entry, and the exposure it adds (wellbeing cap)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from escalations.contracts.events import EscalationReceived, RevealRequested, Status
from escalations.contracts.topics import ROUTER_DEADLETTER
from escalations.core.assignment import PersonHistory
from escalations.core.escalation import EscalationIn, PolicyArea, Signals, SourceKind
from escalations.core.sensitivity import stored_sensitive
from escalations_router.batch import Batches
from escalations_router.domain.load_book import MAX_STAMPS, LoadBook
from escalations_router.domain.records import Escalation
from escalations_router.domain.reveal import exposure, on_reveal
from tests.fakes.router import FakeDecider, FakeUnitOfWork
from tests.unit.router.batch_kit import Record, intake_record

NOW = datetime.now(UTC)
WINDOW = timedelta(hours=8)


def _row(policy_area: str = "self_harm", graphic: bool = False) -> Escalation:
    request = {"title": "t", "policy_area": policy_area, "signals": {"graphic": graphic}}
    return Escalation(
        id="e-1", source="legal", source_kind="legal", status="assigned", title="t",
        policy_area=policy_area, tier="P1", score=60, request=request, priority={},
        received_at=NOW, created_at=NOW, updated_at=NOW, owner="aoife", team="dublin",
    )  # fmt: skip


def _cmd(by: str = "ciaran", at: datetime = NOW) -> RevealRequested:
    return RevealRequested(escalation_id="e-1", by=by, source=f"person:{by}", requested_at=at)


def test_a_reveal_is_recorded_by_its_person_and_changes_nothing_else() -> None:
    """History says who revealed it; status, version and owner stay; no event goes out."""
    row = _row()
    outcome = on_reveal(row, _cmd(), FakeDecider(), NOW)
    (change,) = outcome.changes
    assert ("revealed", "ciaran", Status.ASSIGNED, Status.ASSIGNED, "via person:ciaran") == (
        change.action, change.actor, change.from_status, change.to_status, change.reason,
    )  # fmt: skip
    assert ([], "assigned", 1, "aoife") == (outcome.events, row.status, row.version, row.owner)
    assert NOW == exposure(outcome, _cmd(), NOW)


@pytest.mark.parametrize(
    ("row", "by", "reason"),
    [
        (_row(), "system:legal", "only a person can reveal"),
        (_row(), "nobody", "unknown person 'nobody'"),
        (_row("hate_speech"), "ciaran", "not sensitive"),
    ],
)
def test_a_reveal_that_cannot_count_is_refused_in_the_history(
    row: Escalation, by: str, reason: str
) -> None:
    """An integration, an unknown person or a non-sensitive escalation counts nothing."""
    outcome = on_reveal(row, _cmd(by), FakeDecider(), NOW)
    (change,) = outcome.changes
    assert ("reveal_rejected", by) == (change.action, change.actor)
    assert change.reason is not None
    assert reason in change.reason
    assert exposure(outcome, _cmd(by), NOW) is None


def test_sensitive_is_the_area_or_the_graphic_signal() -> None:
    """The shared rule: a sensitive area, or any area flagged graphic; nothing else."""
    assert stored_sensitive("child_safety", {})
    assert stored_sensitive("hate_speech", {"signals": {"graphic": True}})
    assert not stored_sensitive("hate_speech", {"signals": {"graphic": False}})
    assert not stored_sensitive("spam", {"signals": None})


def test_the_exposure_instant_is_the_request_never_later_than_now() -> None:
    """A replayed reveal counts when it happened; a clock ahead of the router's, at now."""
    outcome = on_reveal(_row(), _cmd(), FakeDecider(), NOW)
    earlier = NOW - timedelta(hours=1)
    assert earlier == exposure(outcome, _cmd(at=earlier), NOW)
    assert NOW == exposure(outcome, _cmd(at=NOW + timedelta(minutes=5)), NOW)


def test_an_exposure_adds_a_stamp_but_no_assignment() -> None:
    """The load book keeps last assignment and open count; no assignment is counted."""
    assigned_at = NOW - timedelta(hours=1)
    book = LoadBook({"ciaran": PersonHistory(assigned_at, 2, (assigned_at,))}, WINDOW)
    book.exposed("ciaran", NOW)
    assert PersonHistory(assigned_at, 2, (assigned_at, NOW)) == book.history["ciaran"]
    ((row),) = book.rows(NOW)
    assert ("ciaran", 0, 2, (assigned_at, NOW)) == (
        row["p"],
        row["added"],
        row["open"],
        row["graphic"],
    )
    assert 0 == sum(book.assigned_now.values())


def test_exposure_stamps_stay_bounded() -> None:
    """However many reveals, a person keeps the last ``MAX_STAMPS`` stamps."""
    book = LoadBook({}, WINDOW)
    for n in range(MAX_STAMPS + 5):
        book.exposed("ciaran", NOW - timedelta(seconds=MAX_STAMPS + 5 - n))
    stamps = book.history["ciaran"].graphic_at
    assert MAX_STAMPS == len(stamps)
    assert NOW - timedelta(seconds=1) == stamps[-1]


# --- through the batch, on the in-memory unit of work ------------------------------------


def _graphic_report(offset: int, esc_id: str) -> Record:
    payload = EscalationReceived(
        escalation_id=esc_id, source="unit-test", source_kind=SourceKind.INTERNAL_TOOL,
        received_at=NOW,
        request=EscalationIn(
            title="Graphic harassment", policy_area=PolicyArea.HARASSMENT, language="en",
            signals=Signals(graphic=True),
        ),
    )  # fmt: skip
    return intake_record(offset, esc_id, payload, NOW)


def _reveal(offset: int, esc_id: str, by: str) -> Record:
    cmd = RevealRequested(escalation_id=esc_id, by=by, source=f"person:{by}", requested_at=NOW)
    return intake_record(offset, esc_id, cmd, NOW)


async def test_a_reveal_counts_once_toward_the_persons_exposure(
    uow: FakeUnitOfWork, batches: Batches
) -> None:
    """The reveal stamps the person's load and the history; its replay adds nothing."""
    await batches.process([_graphic_report(0, "esc-1")])
    before = uow.people.get("dana", PersonHistory()).graphic_at
    queued = len(uow.outbox)
    reveal = _reveal(1, "esc-1", "dana")
    await batches.process([reveal])
    await batches.process([reveal])
    assert 1 + len(before) == len(uow.people["dana"].graphic_at)
    assert 0 == uow.people["dana"].open_count
    revealed = [h for h in uow.history if h["action"] == "revealed"]
    assert [("esc-1", "dana")] == [(h["escalation_id"], h["actor"]) for h in revealed]
    assert queued == len(uow.outbox)  # no event goes out
    assert "assigned" == uow.escalations["esc-1"].status


async def test_a_reveal_of_an_unknown_escalation_is_dead_lettered(
    uow: FakeUnitOfWork, batches: Batches
) -> None:
    """Like any command about an escalation never stored: parked, and nobody's load moves."""
    await batches.process([_reveal(0, "nobody", "dana")])
    assert [(ROUTER_DEADLETTER, "unknown_escalation")] == [
        (q.topic, q.event["reason"]) for q in uow.outbox
    ]
    assert "dana" not in uow.people


async def test_reveals_count_against_the_wellbeing_cap(
    uow: FakeUnitOfWork, batches: Batches
) -> None:
    """A person who revealed three graphic escalations is skipped by the next graphic one."""
    await batches.process([_graphic_report(0, "esc-1")])
    first_owner = uow.escalations["esc-1"].owner
    assert first_owner is not None
    exposed = next(p for p in ("aoife", "bruno", "chen") if p != first_owner)
    await batches.process([_reveal(n, "esc-1", exposed) for n in range(1, 4)])
    assert 3 <= len(uow.people[exposed].graphic_at)
    await batches.process([_graphic_report(4, "esc-2")])
    decision = uow.escalations["esc-2"].assignment or {}
    (record,) = [c for c in decision["candidates"] if c["person_id"] == exposed]
    assert (False, 3) == (record["chosen"], record["graphic_in_window"])
    assert "wellbeing cap" in record["reason"]
    assert exposed != uow.escalations["esc-2"].owner

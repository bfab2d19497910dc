"""The batch logic on an in-memory unit of work: what one batch stores, queues and parks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from escalations.contracts.envelope import decode
from escalations.contracts.events import AcknowledgeRequested, EscalationReceived, OverrideRequested
from escalations.contracts.topics import INTAKE, ROUTER_DEADLETTER
from escalations.core.escalation import EscalationIn, PolicyArea, SourceKind
from escalations_router.batch import Batches, dead_letter_id
from tests.fakes.router import FakeUnitOfWork
from tests.unit.router.batch_kit import Record, intake_record

NOW = datetime.now(UTC)
TEAM = {"aoife", "bruno", "chen"}  # the team harassment reports go to


def _report(offset: int, esc_id: str) -> Record:
    payload = EscalationReceived(
        escalation_id=esc_id, source="unit-test", source_kind=SourceKind.INTERNAL_TOOL,
        received_at=NOW,
        request=EscalationIn(title="Harassment", policy_area=PolicyArea.HARASSMENT, language="en"),
    )  # fmt: skip
    return intake_record(offset, esc_id, payload, NOW)


def _acknowledge(offset: int, esc_id: str, by: str = "aoife") -> Record:
    payload = AcknowledgeRequested(escalation_id=esc_id, by=by, source="tests", requested_at=NOW)
    return intake_record(offset, esc_id, payload, NOW)


async def test_a_report_creates_an_escalation_its_clock_and_its_events(
    uow: FakeUnitOfWork, batches: Batches
) -> None:
    """A new report is stored assigned, with a running clock and events about it queued."""
    record = _report(0, "esc-1")
    await batches.process([record])
    assert uow.committed
    assert (["esc-1"], ["esc-1"]) == (list(uow.escalations), list(uow.clocks))
    assert uow.escalations["esc-1"].owner in TEAM
    assert uow.clocks["esc-1"].due_at is not None
    assert {"esc-1"} == {queued.key for queued in uow.outbox}
    assert ["escalation.assigned"] == [queued.event["type"] for queued in uow.outbox]
    assert {_event_id(record)} == uow.processed


async def test_a_replayed_event_changes_nothing(uow: FakeUnitOfWork, batches: Batches) -> None:
    """The same report applied twice is stored and announced once."""
    record = _report(0, "esc-1")
    await batches.process([record])
    stored, queued, history = uow.escalations["esc-1"], list(uow.outbox), list(uow.history)
    await batches.process([record])
    assert (stored, queued, history) == (uow.escalations["esc-1"], uow.outbox, uow.history)


async def test_an_acknowledge_is_written_back_to_the_stored_escalation(
    uow: FakeUnitOfWork, batches: Batches
) -> None:
    """A command about a stored escalation changes it and records who did it."""
    await batches.process([_report(0, "esc-1")])
    owner = uow.escalations["esc-1"].owner
    assert owner is not None
    await batches.process([_acknowledge(1, "esc-1", owner)])
    assert "acknowledged" == uow.escalations["esc-1"].status
    assert ("acknowledged", owner) == (uow.history[-1]["action"], uow.history[-1]["actor"])


async def test_an_acknowledge_of_an_unknown_escalation_is_dead_lettered(
    uow: FakeUnitOfWork, batches: Batches
) -> None:
    """A command about an escalation never stored goes to the dead-letter topic, processed."""
    record = _acknowledge(3, "nobody")
    await batches.process([record])
    assert {} == uow.escalations
    assert [(ROUTER_DEADLETTER, "unknown_escalation")] == [
        (queued.topic, queued.event["reason"]) for queued in uow.outbox
    ]
    assert {_event_id(record)} == uow.processed


async def test_poison_is_dead_lettered_once(uow: FakeUnitOfWork, batches: Batches) -> None:
    """An undecodable record is parked under its own id, and not again when replayed."""
    poison = Record(INTAKE, 2, 7, b"k", b"not an envelope")
    await batches.process([poison])
    await batches.process([poison])
    assert [(ROUTER_DEADLETTER, "k", "undecodable")] == [
        (queued.topic, queued.key, queued.event["reason"]) for queued in uow.outbox
    ]
    assert {dead_letter_id(poison)} == uow.processed


async def test_a_schedule_command_is_stored_and_changes_the_schedule(
    uow: FakeUnitOfWork, batches: Batches
) -> None:
    """An override is stored with its event id and joins the schedule; no event goes out."""
    cmd = OverrideRequested(
        override_id="ov-1", team="tsd", person="aoife", start=NOW, end=NOW + timedelta(hours=2),
        source="admin", requested_at=NOW,
    )  # fmt: skip
    record = intake_record(0, "tsd", cmd, NOW)
    await batches.process([record])
    assert [(_event_id(record), cmd)] == uow.schedule_commands
    assert ["aoife"] == [override.person for override in uow.schedule.overrides]
    assert ([], {_event_id(record)}) == (uow.outbox, uow.processed)


async def test_a_failed_write_commits_nothing(uow: FakeUnitOfWork, batches: Batches) -> None:
    """When the write fails the batch raises, is rolled back, and nothing is stored."""
    uow.flush_error = ConnectionError("connection lost")
    with pytest.raises(ConnectionError):
        await batches.process([_report(0, "esc-1")])
    assert (False, True) == (uow.committed, uow.rolled_back)
    assert ({}, {}, [], set()) == (uow.escalations, uow.clocks, uow.outbox, uow.processed)


def _event_id(record: Record) -> str:
    """Return the id of the event a record carries."""
    return decode(record.value).id

"""Status updates: stored with the escalation, one history entry, one event, once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from escalations.contracts.events import (
    EscalationReceived,
    Resolution,
    ResolveRequested,
    Status,
)
from escalations.contracts.topics import EVENTS, ROUTER_DEADLETTER
from escalations.contracts.updates import Audience, UpdatePosted, UpdateRequested
from escalations.core.escalation import EscalationIn, PolicyArea, SourceKind
from escalations_router.batch import Batches
from escalations_router.domain.records import Escalation
from escalations_router.domain.updates import on_update, update_id
from tests.fakes.router import FakeDecider, FakeUnitOfWork
from tests.unit.router.batch_kit import Record, intake_record

NOW = datetime.now(UTC)


def _row(status: str = "assigned") -> Escalation:
    request = {"title": "t", "policy_area": "hate_speech", "signals": {}}
    return Escalation(
        id="e-1", source="legal", source_kind="legal", status=status, title="t",
        policy_area="hate_speech", tier="P1", score=60, request=request, priority={},
        received_at=NOW, created_at=NOW, updated_at=NOW, owner="aoife", team="dublin",
    )  # fmt: skip


def _cmd(by: str = "aoife", audience: Audience = Audience.STAKEHOLDERS) -> UpdateRequested:
    return UpdateRequested(
        escalation_id="e-1", by=by, audience=audience, text="Removed in IE; legal told.",
        source=f"person:{by}", requested_at=NOW,
    )  # fmt: skip


def test_an_update_is_posted_with_the_audience_as_its_reason() -> None:
    """One history entry (reason: the audience, not the text), one event; status stays."""
    row = _row()
    outcome = on_update(row, _cmd(), FakeDecider(), NOW, "u-1")
    (change,) = outcome.changes
    assert ("update_posted", "aoife", Status.ASSIGNED, Status.ASSIGNED, "stakeholders") == (
        change.action, change.actor, change.from_status, change.to_status, change.reason,
    )  # fmt: skip
    (posted,) = outcome.events
    assert isinstance(posted, UpdatePosted)
    assert ("u-1", Audience.STAKEHOLDERS, "Removed in IE; legal told.", "aoife", NOW) == (
        posted.update_id, posted.audience, posted.text, posted.by, posted.at,
    )  # fmt: skip
    assert ("e-1", "t", "assigned") == (posted.escalation.id, posted.escalation.title, row.status)
    assert 2 == row.version


@pytest.mark.parametrize(
    ("status", "by", "reason"),
    [
        ("resolved", "aoife", "escalation is already resolved"),
        ("assigned", "system:legal", "an update is a person's"),
        ("acknowledged", "nobody", "unknown person 'nobody'"),
    ],
)
def test_an_update_that_cannot_be_posted_is_refused_in_the_history(
    status: str, by: str, reason: str
) -> None:
    """A resolved escalation, an integration or an unknown person: history only, no event."""
    row = _row(status)
    outcome = on_update(row, _cmd(by), FakeDecider(), NOW, "u-1")
    (change,) = outcome.changes
    assert ("update_rejected", by, [], 1) == (
        change.action,
        change.actor,
        outcome.events,
        row.version,
    )
    assert change.reason is not None
    assert reason in change.reason


def test_the_update_id_follows_the_event_id() -> None:
    """The same command gets the same update id; another command another."""
    assert update_id("ev-1") == update_id("ev-1")
    assert update_id("ev-1") != update_id("ev-2")


# --- through the batch, on the in-memory unit of work ------------------------------------


def _report(offset: int, esc_id: str) -> Record:
    payload = EscalationReceived(
        escalation_id=esc_id, source="unit-test", source_kind=SourceKind.INTERNAL_TOOL,
        received_at=NOW,
        request=EscalationIn(title="Hateful pin", policy_area=PolicyArea.HATE_SPEECH),
    )  # fmt: skip
    return intake_record(offset, esc_id, payload, NOW)


def _update(offset: int, esc_id: str, by: str, audience: Audience = Audience.TEAM) -> Record:
    cmd = UpdateRequested(
        escalation_id=esc_id, by=by, audience=audience, text=f"note {offset}",
        source=f"person:{by}", requested_at=NOW,
    )  # fmt: skip
    return intake_record(offset, esc_id, cmd, NOW)


async def test_an_update_is_stored_recorded_and_announced_once(
    uow: FakeUnitOfWork, batches: Batches
) -> None:
    """Row, history entry and event commit together; the replayed command adds nothing."""
    await batches.process([_report(0, "esc-1")])
    owner = uow.escalations["esc-1"].owner
    assert owner is not None
    queued = len(uow.outbox)
    update = _update(1, "esc-1", owner, Audience.STAKEHOLDERS)
    await batches.process([update])
    await batches.process([update])
    (stored,) = uow.updates
    assert ("esc-1", "stakeholders", "note 1", owner, NOW.year) == (
        stored["escalation_id"], stored["audience"], stored["text"], stored["by"],
        stored["at"].year,
    )  # fmt: skip
    posted = [h for h in uow.history if h["action"] == "update_posted"]
    assert [("esc-1", owner, "stakeholders")] == [
        (h["escalation_id"], h["actor"], h["reason"]) for h in posted
    ]
    (event,) = uow.outbox[queued:]
    assert (EVENTS, "escalation.update_posted") == (event.topic, event.event["type"])
    data = event.event["data"]
    assert (stored["id"], "stakeholders", "note 1", owner, "esc-1") == (
        data["update_id"], data["audience"], data["text"], data["by"], data["escalation"]["id"],
    )  # fmt: skip


async def test_an_update_on_a_resolved_escalation_is_rejected(
    uow: FakeUnitOfWork, batches: Batches
) -> None:
    """After the resolve: an ``update_rejected`` entry, no row and no event."""
    await batches.process([_report(0, "esc-1")])
    owner = uow.escalations["esc-1"].owner
    assert owner is not None
    resolve = ResolveRequested(
        escalation_id="esc-1", by=owner, resolution=Resolution.ACTIONED, source="api",
        requested_at=NOW,
    )  # fmt: skip
    await batches.process([intake_record(1, "esc-1", resolve, NOW)])
    queued = len(uow.outbox)
    await batches.process([_update(2, "esc-1", owner)])
    assert [] == uow.updates
    assert queued == len(uow.outbox)
    assert "update_rejected" == uow.history[-1]["action"]


async def test_an_update_of_an_unknown_escalation_is_dead_lettered(
    uow: FakeUnitOfWork, batches: Batches
) -> None:
    """Like any command about an escalation never stored: parked, nothing stored."""
    await batches.process([_update(0, "nobody", "dana")])
    assert [(ROUTER_DEADLETTER, "unknown_escalation")] == [
        (q.topic, q.event["reason"]) for q in uow.outbox
    ]
    assert [] == uow.updates

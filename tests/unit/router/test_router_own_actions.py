"""The router's own actions in the audit log: one entry per level paged or tier raised.

Pure (``domain.own_actions``), through ``batch.fire`` as the sweep uses it, and through the
batch on the in-memory unit of work: written with the batch, never twice for a replay, not
at all when the write fails, and never for the assignment of a new escalation.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import BaseModel

from escalations.audit.chain import Draft
from escalations.contracts.events import EscalationReceived, SlaKind, SlaWarning
from escalations.core.config import loads_config
from escalations.core.escalation import EscalationIn, SourceKind
from escalations_router.batch import Batches
from escalations_router.batch.fire import Ledger, fire
from escalations_router.domain.core_decider import CoreDecider
from escalations_router.domain.own_actions import ACTOR, own_actions
from escalations_router.domain.records import Escalation
from escalations_router.domain.timers import new_clock
from escalations_router.domain.views import summary
from tests.e2e.router.configs import config
from tests.fakes.router import P0_SLA, FakeUnitOfWork, FakeWorks
from tests.unit.router.batch_kit import Record, intake_record

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
TWO_LEVELS = {
    "levels": [
        {"targets": [{"kind": "schedule"}]},
        {"targets": [{"kind": "person", "id": "lead"}]},
    ],
    "repeat": 0,
}


def _row() -> Escalation:
    return Escalation(
        id="e-1", source="legal", source_kind="legal", status="assigned", title="Threat",
        policy_area="violent_threat", tier="P0", score=80, team="tsd", owner="aoife",
        request={"title": "Threat", "policy_area": "violent_threat", "content_refs": []},
        priority={}, assignment={}, policy_snapshot=TWO_LEVELS,
        acknowledge_by=T0 + P0_SLA.acknowledge, resolve_by=T0 + P0_SLA.resolve,
        received_at=T0, created_at=T0, updated_at=T0,
    )  # fmt: skip


def test_level_two_paged_by_the_timer_is_one_entry_and_a_second_sweep_adds_none() -> None:
    """Past the acknowledge budget: one ``escalation.escalate`` from level 1 to 2, 'lead'."""
    row, works, ledger = _row(), FakeWorks(), Ledger()
    clock = new_clock(row, P0_SLA, warning_share=0.75, rescore_at=None, now=T0)
    late = T0 + P0_SLA.acknowledge + timedelta(seconds=1)
    fire(ledger, row, clock, works, late)
    (entry,) = [d for d in ledger.writes.audit if d.action == "escalation.escalate"]
    expected = {"from_level": 1, "to_level": 2, "round": 1, "paged": ["lead"]}
    assert (ACTOR, "escalation", "e-1", expected, late) == (
        entry.actor,
        entry.subject_kind,
        entry.subject_id,
        entry.detail,
        entry.at,
    )
    assert (None, None) == (entry.client_address, entry.user_agent)
    fire(ledger, row, clock, works, late)  # swept again at the same instant: nothing new
    assert 1 == len(ledger.writes.audit)


def test_a_regulatory_rise_on_the_timer_is_one_raise_tier_entry() -> None:
    """The re-score timer raises P2 to P0: one ``escalation.raise_tier`` naming the cause."""
    row, works, ledger = _row(), FakeWorks(next_rise=None), Ledger()
    row.tier = "P2"
    sla = works.sla(row.tier)  # type: ignore[arg-type]
    clock = new_clock(row, sla, warning_share=0.75, rescore_at=T0 + timedelta(minutes=1), now=T0)
    at = T0 + timedelta(minutes=1)
    fire(ledger, row, clock, works, at)
    (entry,) = ledger.writes.audit
    assert ("escalation.raise_tier", "P2", "P0", "regulatory_clock", ["aoife"]) == (
        entry.action,
        entry.detail["from_tier"],
        entry.detail["to_tier"],
        entry.detail["cause"],
        entry.detail["paged"],
    )


def test_other_events_are_not_router_actions() -> None:
    """SLA warnings and breaches are in the history and the events, not the audit log."""
    warning = SlaWarning(escalation=summary(_row()), kind=SlaKind.ACKNOWLEDGE, due_at=T0)
    assert [] == own_actions("e-1", 1, [warning], T0)
    assert [] == own_actions("e-1", 1, [], T0)


def _record(offset: int, esc_id: str, body: dict[str, Any]) -> Record:
    now = datetime.now(UTC)
    payload: BaseModel = EscalationReceived(
        escalation_id=esc_id, source="unit-test", source_kind=SourceKind.INTERNAL_TOOL,
        received_at=now,
        request=EscalationIn.model_validate(
            {"title": "Harassment", "policy_area": "harassment", "language": "en", **body}
        ),
    )  # fmt: skip
    return intake_record(offset, esc_id, payload, now)


REACH = {"reach": {"impressions_24h": 50000}}  # a P3 (tests/e2e/test_tier_raised.py)
THREAT = {"signals": {"imminence": "imminent_specific"}}  # the repeat that makes it P0


@pytest.fixture
def uow() -> FakeUnitOfWork:
    """An empty store."""
    return FakeUnitOfWork()


@pytest.fixture
def batches(uow: FakeUnitOfWork) -> Batches:
    """The batch logic on the fake store, default budgets (a P3 stays unescalated)."""
    return Batches(uow.begin, CoreDecider(loads_config(config(sla="")).config))


async def test_a_rise_by_a_repeat_report_is_audited_once_even_when_replayed(
    uow: FakeUnitOfWork, batches: Batches
) -> None:
    """Creating and assigning are not audited; the rise is, once, with the batch."""
    await batches.process([_record(0, "esc-1", REACH)])
    assert ("P3", []) == (uow.escalations["esc-1"].tier, uow.audit)
    threat = _record(1, "esc-1", THREAT)
    await batches.process([threat])
    (entry,) = uow.audit
    assert isinstance(entry, Draft)
    assert (ACTOR, "escalation.raise_tier", "esc-1") == (
        entry.actor,
        entry.action,
        entry.subject_id,
    )
    assert ("P3", "P0", "report") == (
        entry.detail["from_tier"],
        entry.detail["to_tier"],
        entry.detail["cause"],
    )
    await batches.process([threat])  # redelivered: already processed, nothing written
    assert [entry] == uow.audit


async def test_a_failed_write_leaves_no_entry(uow: FakeUnitOfWork, batches: Batches) -> None:
    """The entries are written with the batch: rolled back with it, then written on retry."""
    await batches.process([_record(0, "esc-1", REACH)])
    uow.flush_error = ConnectionError("connection lost")
    threat = _record(1, "esc-1", THREAT)
    with pytest.raises(ConnectionError):
        await batches.process([threat])
    assert ([], True) == (uow.audit, uow.rolled_back)
    uow.flush_error = None
    await batches.process([threat])
    assert ["escalation.raise_tier"] == [entry.action for entry in uow.audit]

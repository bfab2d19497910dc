"""Against real Postgres: the router's own actions in the audit log, in its transactions.

A level paged by the timer sweep and a tier raised by a repeat report each leave one
``service:router`` entry, committed with the change; sweeping again or replaying the batch
adds none, and the chain verifies (docs/contract/audit.md, "Actions recorded").
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from escalations.audit.chain import Entry, verify
from escalations.audit.store import AuditQuery, iterate
from escalations.contracts.codec import build_event
from escalations.contracts.envelope import encode
from escalations.contracts.events import EscalationReceived
from escalations.contracts.topics import INTAKE
from escalations.core.config import loads_config
from escalations.core.escalation import EscalationIn, SourceKind
from escalations.db.engine import make_engine
from escalations_router.batch import BatchProcessor
from escalations_router.domain.core_decider import CoreDecider
from escalations_router.postgres import db
from escalations_router.sweep import TimerSweeper
from tests.e2e.router.configs import config
from tests.integration.router_records import Record

pytestmark = pytest.mark.integration


@pytest.fixture
async def pool(database: str) -> AsyncIterator[db.Pool]:
    opened = await db.make_pool(database, size=2)
    yield opened
    await opened.close()


@pytest.fixture
async def engine(database: str) -> AsyncIterator[AsyncEngine]:
    created = make_engine(database, pool_size=2)
    yield created
    await created.dispose()


def _report(offset: int, esc_id: str, body: dict[str, Any]) -> Record:
    now = datetime.now(UTC)
    request = {"title": "Harassment of a journalist", "policy_area": "harassment", **body}
    payload = EscalationReceived(
        escalation_id=esc_id,
        source="audit-test",
        source_kind=SourceKind.INTERNAL_TOOL,
        received_at=now,
        request=EscalationIn.model_validate({"language": "en", **request}),
    )
    envelope = build_event(payload, subject=esc_id, source="/tests", time=now)
    return Record(INTAKE, offset % 6, offset, envelope.key, encode(envelope))


THREAT = {"signals": {"imminence": "imminent_specific"}}  # a P0


async def _entries(engine: AsyncEngine, esc_id: str) -> list[Entry]:
    query = AuditQuery(subject_kind="escalation", subject_id=esc_id)
    return [entry async for entry in iterate(engine, query)]


async def test_a_level_paged_by_the_sweep_is_one_entry(pool: db.Pool, engine: AsyncEngine) -> None:
    """A P0 (2 s to acknowledge) swept 3 s later: level 2 paged, one entry; again: none."""
    decider = CoreDecider(loads_config(config()).config)
    esc_id = str(uuid.uuid4())
    await BatchProcessor(pool, decider).process([_report(0, esc_id, THREAT)])
    assert [] == await _entries(engine, esc_id), "the assignment is not audited"
    sweeper = TimerSweeper(pool, decider, limit=500, interval=1.0, on_fired=lambda: None)
    late = datetime.now(UTC) + timedelta(seconds=3)
    await sweeper.sweep(late)
    level = await pool.fetchval("SELECT level FROM escalations WHERE id = $1", esc_id)
    (entry,) = await _entries(engine, esc_id)
    assert (2, "service:router", "escalation.escalate", None) == (
        level,
        entry.actor,
        entry.action,
        entry.client_address,
    )
    assert {"from_level": 1, "to_level": 2, "round": 1, "paged": ["lead"]} == entry.detail
    await sweeper.sweep(late)
    assert [entry] == await _entries(engine, esc_id)
    assert [] == verify([e async for e in iterate(engine)])


async def test_a_rise_by_a_repeat_is_one_entry_and_a_replay_adds_none(
    pool: db.Pool, engine: AsyncEngine
) -> None:
    """P3 -> P0 by a merged report: one ``escalation.raise_tier``; the batch again: none."""
    processor = BatchProcessor(pool, CoreDecider(loads_config(config(sla="")).config))
    esc_id = str(uuid.uuid4())
    await processor.process([_report(0, esc_id, {"reach": {"impressions_24h": 50000}})])
    threat = _report(1, esc_id, THREAT)
    await processor.process([threat])
    (entry,) = await _entries(engine, esc_id)
    owner = await pool.fetchval("SELECT owner FROM escalations WHERE id = $1", esc_id)
    assert ("escalation.raise_tier", "P3", "P0", "report", [owner]) == (
        entry.action,
        entry.detail["from_tier"],
        entry.detail["to_tier"],
        entry.detail["cause"],
        entry.detail["paged"],
    )
    await processor.process([threat])  # redelivered: its processed-event record stops it
    assert [entry] == await _entries(engine, esc_id)
    assert [] == verify([e async for e in iterate(engine)])

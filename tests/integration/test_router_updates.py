"""Against real Postgres: an update's row, history entry and event commit together, once."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import orjson
import pytest

from escalations.contracts.codec import build_event
from escalations.contracts.envelope import encode
from escalations.contracts.events import EscalationReceived
from escalations.contracts.topics import INTAKE
from escalations.contracts.updates import Audience, UpdateRequested
from escalations.core.config import loads_config
from escalations.core.escalation import EscalationIn, PolicyArea, SourceKind
from escalations_router.batch import BatchProcessor
from escalations_router.domain.core_decider import CoreDecider
from escalations_router.postgres import db
from tests.e2e.router.configs import config
from tests.integration.router_records import Record

pytestmark = pytest.mark.integration


@pytest.fixture
async def pool(database: str) -> AsyncIterator[db.Pool]:
    """A pool on this module's database."""
    opened = await db.make_pool(database, size=2)
    yield opened
    await opened.close()


def _record(offset: int, esc_id: str, payload: EscalationReceived | UpdateRequested) -> Record:
    envelope = build_event(payload, subject=esc_id, source="/tests", time=datetime.now(UTC))
    return Record(INTAKE, offset % 6, offset, envelope.key, encode(envelope))


def _report(offset: int) -> Record:
    esc_id = str(uuid.uuid4())
    payload = EscalationReceived(
        escalation_id=esc_id, source="update-test", source_kind=SourceKind.INTERNAL_TOOL,
        received_at=datetime.now(UTC),
        request=EscalationIn(title="Harassment", policy_area=PolicyArea.HARASSMENT),
    )  # fmt: skip
    return _record(offset, esc_id, payload)


def _update(offset: int, esc_id: str, by: str, text: str) -> Record:
    payload = UpdateRequested(
        escalation_id=esc_id, by=by, audience=Audience.REQUESTER, text=text,
        source=f"person:{by}", requested_at=datetime.now(UTC),
    )  # fmt: skip
    return _record(offset, esc_id, payload)


async def test_an_update_is_stored_with_its_history_and_event_once(pool: db.Pool) -> None:
    """One ``escalation_updates`` row, one ``update_posted`` entry, one outbox event."""
    processor = BatchProcessor(pool, CoreDecider(loads_config(config()).config))
    report = _report(0)
    esc_id = report.key.decode()
    await processor.process([report])
    owner = await pool.fetchval("SELECT owner FROM escalations WHERE id = $1", esc_id)
    update = _update(1, esc_id, owner, "We removed it; 'quotes' and \"more\" kept.")
    await processor.process([update])
    await processor.process([update])
    rows = await pool.fetch(
        'SELECT id, audience, text, "by", at FROM escalation_updates WHERE escalation_id = $1',
        esc_id,
    )
    assert [("requester", "We removed it; 'quotes' and \"more\" kept.", owner)] == [
        (r["audience"], r["text"], r["by"]) for r in rows
    ]
    history = await pool.fetch(
        "SELECT actor, reason FROM escalation_history"
        " WHERE escalation_id = $1 AND action = 'update_posted'",
        esc_id,
    )
    assert [(owner, "requester")] == [(h["actor"], h["reason"]) for h in history]
    envelopes = await pool.fetch(
        "SELECT envelope FROM outbox WHERE key = $1 AND envelope->>'type' = $2",
        esc_id,
        "escalation.update_posted",
    )
    (envelope,) = [
        orjson.loads(e["envelope"]) if isinstance(e["envelope"], str) else e["envelope"]
        for e in envelopes
    ]
    assert (rows[0]["id"], "requester", owner) == (
        envelope["data"]["update_id"], envelope["data"]["audience"], envelope["data"]["by"],
    )  # fmt: skip

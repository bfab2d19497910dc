"""Against real Postgres: a repeat report that raises an old P3 to P0.

How a rising tier is handled: docs/router.md, "A rising tier".
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from escalations.contracts.codec import build_event
from escalations.contracts.envelope import encode
from escalations.contracts.events import EscalationReceived
from escalations.contracts.topics import INTAKE
from escalations.core.config import loads_config
from escalations.core.escalation import EscalationIn, SourceKind
from escalations_router.batch import BatchProcessor
from escalations_router.domain.core_decider import CoreDecider
from escalations_router.postgres import db
from escalations_router.sweep import TimerSweeper
from tests.e2e.router.configs import config
from tests.integration.router_records import Record

pytestmark = pytest.mark.integration
SOURCE = "rise-test"
AGE = timedelta(hours=2)
P0_ACKNOWLEDGE = timedelta(minutes=5)  # the default P0 budget
P0_RESOLVE = timedelta(hours=4)


@pytest.fixture
async def pool(database: str) -> AsyncIterator[db.Pool]:
    opened = await db.make_pool(database, size=2)
    yield opened
    await opened.close()


def _report(offset: int, esc_id: str, body: dict[str, Any]) -> Record:
    """Return a harassment report from the moderation tool, as the router consumes it."""
    now = datetime.now(UTC)
    request = {"title": "Harassment of a journalist", "policy_area": "harassment", **body}
    payload = EscalationReceived(
        escalation_id=esc_id,
        source=SOURCE,
        source_kind=SourceKind.INTERNAL_TOOL,
        received_at=now,
        request=EscalationIn.model_validate({"language": "en", **request}),
    )
    envelope = build_event(payload, subject=esc_id, source="/tests", time=now)
    return Record(INTAKE, offset % 6, offset, envelope.key, encode(envelope))


async def _age(pool: db.Pool, esc_id: str) -> None:
    """Move the escalation and its clock two hours into the past, as if created then."""
    await pool.execute(
        """UPDATE escalations SET created_at = created_at - $2::interval,
               received_at = received_at - $2::interval,
               acknowledge_by = acknowledge_by - $2::interval,
               resolve_by = resolve_by - $2::interval
           WHERE id = $1""",
        esc_id,
        AGE,
    )
    await pool.execute(
        """UPDATE router_clocks SET started_at = started_at - $2::interval,
               due_at = due_at - $2::interval
           WHERE escalation_id = $1""",
        esc_id,
        AGE,
    )


async def _events(pool: db.Pool, esc_id: str, after: int) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT envelope FROM outbox WHERE key = $1 AND id > $2 ORDER BY id", esc_id, after
    )
    return [row["envelope"] for row in rows]  # the pool decodes JSONB


async def test_a_p3_raised_to_p0_by_a_repeat_is_told_again_not_escalated(pool: db.Pool) -> None:
    """Two hours old, raised to P0: the owner is told again and has 5 min from the rise."""
    processor = BatchProcessor(pool, CoreDecider(loads_config(config(sla="")).config))
    esc_id = str(uuid.uuid4())
    await processor.process([_report(0, esc_id, {"reach": {"impressions_24h": 50000}})])
    created = await pool.fetchrow("SELECT tier, owner FROM escalations WHERE id = $1", esc_id)
    assert "P3" == created["tier"]
    await _age(pool, esc_id)
    last = await pool.fetchval("SELECT max(id) FROM outbox WHERE key = $1", esc_id)
    before = datetime.now(UTC)
    threat = {"signals": {"imminence": "imminent_specific"}}
    await processor.process([_report(1, esc_id, threat)])
    after = datetime.now(UTC)
    row = await pool.fetchrow(
        "SELECT tier, status, level, acknowledge_by, resolve_by FROM escalations WHERE id = $1",
        esc_id,
    )
    assert ("P0", "assigned", 1) == (row["tier"], row["status"], row["level"])
    assert before + P0_ACKNOWLEDGE <= row["acknowledge_by"] <= after + P0_ACKNOWLEDGE
    assert before + P0_RESOLVE <= row["resolve_by"] <= after + P0_RESOLVE
    events = await _events(pool, esc_id, last)
    types = [event["type"] for event in events]
    assert ["escalation.duplicate_merged", "escalation.tier_raised"] == types
    raised = events[-1]["data"]
    assert (
        "P3",
        "P0",
        "report",
        1,
        [created["owner"]],
        row["acknowledge_by"],
    ) == (
        raised["previous_tier"],
        raised["tier"],
        raised["cause"],
        raised["level"],
        raised["targets"],
        datetime.fromisoformat(raised["deadlines"]["acknowledge_by"]),
    )
    history = await pool.fetch(
        "SELECT action, reason FROM escalation_history WHERE escalation_id = $1 ORDER BY id",
        esc_id,
    )
    actions = [entry["action"] for entry in history]
    assert ["received", "assigned", "duplicate_merged", "tier_raised"] == actions
    clock = await pool.fetchrow(
        "SELECT tier, due_at FROM router_clocks WHERE escalation_id = $1", esc_id
    )
    # Next: the acknowledge warning at 75 % of the new 5 min, from the rise.
    assert "P0" == clock["tier"]
    assert before + P0_ACKNOWLEDGE * 0.75 <= clock["due_at"] <= after + P0_ACKNOWLEDGE * 0.75


async def test_a_regulatory_clock_running_down_raises_p2_to_p1_on_the_timer(
    pool: db.Pool,
) -> None:
    """At 24 h left the re-score timer makes a P2 a P1: level 1 told again, 15 min from then."""
    decider = CoreDecider(loads_config(config(sla="")).config)
    processor = BatchProcessor(pool, decider)
    esc_id = str(uuid.uuid4())
    deadline = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=24, minutes=30)
    regulatory = {"regime": "regulator_request", "deadline": deadline.isoformat()}
    await processor.process([_report(0, esc_id, {"regulatory": regulatory})])
    created = await pool.fetchrow("SELECT tier, owner FROM escalations WHERE id = $1", esc_id)
    rescore_at = await pool.fetchval(
        "SELECT rescore_at FROM router_clocks WHERE escalation_id = $1", esc_id
    )
    assert ("P2", deadline - timedelta(hours=24)) == (created["tier"], rescore_at)
    last = await pool.fetchval("SELECT max(id) FROM outbox WHERE key = $1", esc_id)
    sweeper = TimerSweeper(pool, decider, limit=500, interval=1.0, on_fired=lambda: None)
    await sweeper.sweep(rescore_at)
    row = await pool.fetchrow(
        "SELECT tier, status, level, acknowledge_by FROM escalations WHERE id = $1", esc_id
    )
    assert ("P1", "assigned", 1) == (row["tier"], row["status"], row["level"])
    assert rescore_at + timedelta(minutes=15) == row["acknowledge_by"]
    events = await _events(pool, esc_id, last)
    assert ["escalation.tier_raised"] == [event["type"] for event in events]
    raised = events[0]["data"]
    assert ("P2", "P1", "regulatory_clock", [created["owner"]]) == (
        raised["previous_tier"],
        raised["tier"],
        raised["cause"],
        raised["targets"],
    )
    history = await pool.fetch(
        "SELECT action FROM escalation_history WHERE escalation_id = $1 ORDER BY id", esc_id
    )
    assert "tier_raised" == history[-1]["action"]
    await sweeper.sweep(rescore_at)  # swept again at the same instant: no second rise
    assert ["escalation.tier_raised"] == [e["type"] for e in await _events(pool, esc_id, last)]

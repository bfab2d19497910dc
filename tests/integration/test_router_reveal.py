"""Against real Postgres: a person's reveal raises their graphic exposure, once per event."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import orjson
import pytest

from escalations.contracts.codec import build_event
from escalations.contracts.envelope import encode
from escalations.contracts.events import EscalationReceived, RevealRequested
from escalations.contracts.topics import INTAKE
from escalations.core.config import loads_config
from escalations.core.escalation import EscalationIn, PolicyArea, Signals, SourceKind
from escalations_router.batch import BatchProcessor
from escalations_router.domain.core_decider import CoreDecider
from escalations_router.postgres import db
from tests.e2e.router.configs import config
from tests.integration.router_records import Record

pytestmark = pytest.mark.integration
TEAM = ("aoife", "bruno", "chen")  # the harassment team of the test configuration


@pytest.fixture
async def pool(database: str) -> AsyncIterator[db.Pool]:
    """A pool on this module's database, with the team's load reset."""
    opened = await db.make_pool(database, size=2)
    await opened.execute("DELETE FROM router_person_load WHERE person = ANY($1::text[])", TEAM)
    yield opened
    await opened.close()


def _graphic_report(offset: int) -> Record:
    esc_id, now = str(uuid.uuid4()), datetime.now(UTC)
    payload = EscalationReceived(
        escalation_id=esc_id, source="reveal-test", source_kind=SourceKind.INTERNAL_TOOL,
        received_at=now,
        request=EscalationIn(
            title="Graphic harassment", policy_area=PolicyArea.HARASSMENT, language="en",
            signals=Signals(graphic=True),
        ),
    )  # fmt: skip
    envelope = build_event(payload, subject=esc_id, source="/tests", time=now)
    return Record(INTAKE, offset % 6, offset, envelope.key, encode(envelope))


def _reveal(offset: int, esc_id: str, by: str) -> Record:
    now = datetime.now(UTC)
    payload = RevealRequested(escalation_id=esc_id, by=by, source=f"person:{by}", requested_at=now)
    envelope = build_event(payload, subject=esc_id, source="/intake", time=now)
    return Record(INTAKE, offset % 6, offset, envelope.key, encode(envelope))


async def _exposure(pool: db.Pool, person: str) -> int:
    count = await pool.fetchval(
        "SELECT jsonb_array_length(graphic_at) FROM router_person_load WHERE person = $1", person
    )
    return int(count or 0)


async def test_a_reveal_raises_the_persons_exposure_once(pool: db.Pool) -> None:
    """`router_person_load.graphic_at` grows by one; a replay of the same event adds nothing."""
    processor = BatchProcessor(pool, CoreDecider(loads_config(config()).config))
    report = _graphic_report(0)
    esc_id = report.key.decode()
    await processor.process([report])
    owner = await pool.fetchval("SELECT owner FROM escalations WHERE id = $1", esc_id)
    other = next(p for p in TEAM if p != owner)
    assert 0 == await _exposure(pool, other)
    reveal = _reveal(1, esc_id, other)
    await processor.process([reveal])
    await processor.process([reveal])
    assert 1 == await _exposure(pool, other)
    history = await pool.fetch(
        "SELECT actor, action FROM escalation_history WHERE escalation_id = $1 ORDER BY id",
        esc_id,
    )
    assert [(other, "revealed")] == [
        (h["actor"], h["action"]) for h in history if h["action"] == "revealed"
    ]
    open_count = await pool.fetchval(
        "SELECT open_count FROM router_person_load WHERE person = $1", other
    )
    assert 0 == open_count  # a reveal is no assignment


async def test_a_person_at_the_cap_through_reveals_is_skipped(pool: db.Pool) -> None:
    """Three reveals reach the cap (3 in 8 h): the next graphic escalation goes to another."""
    processor = BatchProcessor(pool, CoreDecider(loads_config(config()).config))
    report = _graphic_report(10)
    esc_id = report.key.decode()
    await processor.process([report])
    owner = await pool.fetchval("SELECT owner FROM escalations WHERE id = $1", esc_id)
    exposed = next(p for p in TEAM if p != owner)
    await processor.process([_reveal(11 + n, esc_id, exposed) for n in range(3)])
    assert 3 == await _exposure(pool, exposed)
    following = _graphic_report(20)
    await processor.process([following])
    row = await pool.fetchrow(
        "SELECT owner, assignment FROM escalations WHERE id = $1", following.key.decode()
    )
    assert exposed != row["owner"]
    stored = row["assignment"]
    decision = orjson.loads(stored) if isinstance(stored, str) else stored
    (candidate,) = [c for c in decision["candidates"] if c["person_id"] == exposed]
    assert (False, 3) == (candidate["chosen"], candidate["graphic_in_window"])
    assert "wellbeing cap" in candidate["reason"]

"""Against real Postgres, through the router's batch path: a retried report counts once."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devstack.stack import Stack
from escalations.contracts.codec import build_event
from escalations.contracts.envelope import encode
from escalations.contracts.events import EscalationReceived
from escalations.contracts.ids import escalation_id, keyless_id, report_fingerprint
from escalations.contracts.topics import INTAKE
from escalations.core.config import loads_config
from escalations.core.escalation import EscalationIn, PolicyArea, SourceKind
from escalations_router.batch import BatchProcessor
from escalations_router.domain.core_decider import CoreDecider
from escalations_router.postgres import db
from tests.e2e.router.configs import config
from tests.integration.router_records import Record

pytestmark = pytest.mark.integration
SOURCE = "retry-test"
TITLE = "<img src=x onerror=alert(1)> retried\x07 " + "x" * 150


class Reports:
    """Reports of one key (or none), as the intake publishes them: each with its fingerprint."""

    def __init__(self, keyed: bool = True) -> None:
        self.external_id = f"RT-{uuid.uuid4().hex}" if keyed else None
        self.start = datetime.now(UTC)
        self.offset = 0

    def request(self, description: str) -> EscalationIn:
        """Return the body of a report."""
        return EscalationIn(
            external_id=self.external_id,
            title=TITLE[:200],
            description=description,
            policy_area=PolicyArea.HARASSMENT,
            language="en",
        )

    def id(self, description: str = "first") -> str:
        """Return the escalation id the intake gives this key (keyless: per body)."""
        if self.external_id is not None:
            return escalation_id(SOURCE, self.external_id)
        return keyless_id(SOURCE, self.fingerprint(description), 0)

    def fingerprint(self, description: str) -> str:
        """Return the fingerprint of a body."""
        return report_fingerprint(SOURCE, self.request(description).model_dump_json())

    def report(self, description: str = "first", after: timedelta = timedelta(0)) -> Record:
        """Return one attempt (its own event id) of a body, ``after`` the start."""
        self.offset += 1
        esc_id, at = self.id(description), self.start + after
        payload = EscalationReceived(
            escalation_id=esc_id,
            source=SOURCE,
            source_kind=SourceKind.USER_REPORT,
            received_at=at,
            request=self.request(description),
            fingerprint=self.fingerprint(description),
        )
        envelope = build_event(payload, subject=esc_id, source="/tests", time=at)
        return Record(INTAKE, 0, self.offset, envelope.key, encode(envelope))


@pytest.fixture
async def pool(stack: Stack) -> AsyncIterator[db.Pool]:
    """A router pool on the session's Postgres."""
    assert stack.database_url is not None
    opened = await db.make_pool(stack.database_url, size=4)
    yield opened
    await opened.close()


def _processor(pool: db.Pool) -> BatchProcessor:
    return BatchProcessor(pool, CoreDecider(loads_config(config()).config))


async def _state(pool: db.Pool, esc_id: str) -> dict[str, Any]:
    row = await pool.fetchrow(
        "SELECT reports, score, tier, title FROM escalations WHERE id = $1", esc_id
    )
    assert row is not None, f"escalation {esc_id} not stored"
    return dict(row)


async def _actions(pool: db.Pool, esc_id: str) -> list[tuple[str, str | None]]:
    rows = await pool.fetch(
        "SELECT action, reason FROM escalation_history WHERE escalation_id = $1 ORDER BY id",
        esc_id,
    )
    return [(row["action"], row["reason"]) for row in rows]


async def _merged_events(pool: db.Pool, esc_id: str) -> int:
    count = await pool.fetchval(
        "SELECT count(*) FROM outbox WHERE key = $1 "
        "AND envelope->>'type' = 'escalation.duplicate_merged'",
        esc_id,
    )
    return int(count)


@pytest.mark.parametrize("one_batch", [False, True])
async def test_a_retry_stored_twice_counts_once(pool: db.Pool, one_batch: bool) -> None:
    """The same report with two event ids (a 503, then the retry): one report, same score."""
    reports, processor = Reports(), _processor(pool)
    first, retry = reports.report(), reports.report(after=timedelta(seconds=5))
    if one_batch:
        await processor.process([first, retry])
    else:
        await processor.process([first])
        before = await _state(pool, reports.id())
        await processor.process([retry])
        assert before == await _state(pool, reports.id())
    state = await _state(pool, reports.id())
    assert (1, TITLE[:200]) == (state["reports"], state["title"])
    at = reports.start.strftime("%Y-%m-%dT%H:%M:%SZ")
    expected = ("retry_not_counted", f"retry of the report at {at} not counted")
    assert expected == (await _actions(pool, reports.id()))[-1]
    assert 0 == await _merged_events(pool, reports.id())


async def test_another_body_and_the_same_body_after_the_window_count(pool: db.Pool) -> None:
    """Another body within the window counts; so does the first body 11 minutes later."""
    reports, processor = Reports(), _processor(pool)
    await processor.process([reports.report()])
    await processor.process([reports.report("second", timedelta(seconds=5))])
    assert 2 == (await _state(pool, reports.id()))["reports"]
    await processor.process([reports.report(after=timedelta(minutes=11))])
    assert 3 == (await _state(pool, reports.id()))["reports"]
    assert 2 == await _merged_events(pool, reports.id())


async def test_a_keyless_retry_reaches_the_same_escalation_and_counts_once(
    pool: db.Pool,
) -> None:
    """Without an external id, the same body lands on one escalation, counted once."""
    reports, processor = Reports(keyed=False), _processor(pool)
    await processor.process([reports.report()])
    await processor.process([reports.report(after=timedelta(seconds=3))])
    assert 1 == (await _state(pool, reports.id()))["reports"]
    actions = [action for action, _ in await _actions(pool, reports.id())]
    assert "retry_not_counted" == actions[-1]
    count = await pool.fetchval(
        "SELECT count(*) FROM escalations WHERE source = $1 AND external_id IS NULL "
        "AND id = ANY($2::text[])",
        SOURCE,
        [reports.id(), reports.id("second")],
    )
    assert 1 == count

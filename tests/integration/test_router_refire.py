"""Against real Postgres: the router opens the next escalation of a key after a resolve, once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from devstack.stack import Stack
from escalations.contracts.codec import build_event
from escalations.contracts.envelope import encode
from escalations.contracts.events import EscalationReceived, Resolution, ResolveRequested
from escalations.contracts.ids import escalation_id
from escalations.contracts.topics import INTAKE
from escalations.core.config import loads_config
from escalations.core.escalation import EscalationIn, PolicyArea, SourceKind
from escalations_router.batch import BatchProcessor
from escalations_router.domain.core_decider import CoreDecider
from escalations_router.postgres import db
from tests.e2e.router.configs import config
from tests.integration.router_records import Record

pytestmark = pytest.mark.integration
SOURCE = "refire-test"
TITLE = "<script>alert(1)</script> fired\x07 again " + "x" * 150


class Key:
    """One alert key and the records about it."""

    def __init__(self) -> None:
        self.external_id = f"fp-{uuid.uuid4().hex}"
        self.offset = 0

    def id(self, generation: int = 0) -> str:
        """Return the id of a generation of this key."""
        return escalation_id(SOURCE, self.external_id, generation)

    def _record(self, esc_id: str, payload: Any, event_id: str | None = None) -> Record:
        self.offset += 1
        now = datetime.now(UTC)
        envelope = build_event(
            payload, subject=esc_id, source="/tests", time=now, event_id=event_id
        )
        return Record(INTAKE, 0, self.offset, envelope.key, encode(envelope))

    def report(
        self, generation: int = 0, follows: str | None = None, event_id: str | None = None
    ) -> Record:
        """Return a report addressed to a generation (following ``follows``, if given)."""
        esc_id = self.id(generation)
        request = EscalationIn(
            external_id=self.external_id,
            title=TITLE[:200],
            policy_area=PolicyArea.HARASSMENT,
            language="en",
        )
        payload = EscalationReceived(
            escalation_id=esc_id,
            source=SOURCE,
            source_kind=SourceKind.MONITORING,
            received_at=datetime.now(UTC),
            request=request,
            follows=follows,
        )
        return self._record(esc_id, payload, event_id)

    def resolve(self, generation: int = 0) -> Record:
        """Return the integration's resolve of a generation."""
        esc_id = self.id(generation)
        payload = ResolveRequested(
            escalation_id=esc_id,
            by=f"system:{SOURCE}",
            resolution=Resolution.ACTIONED,
            source=SOURCE,
            requested_at=datetime.now(UTC),
        )
        return self._record(esc_id, payload)


@pytest.fixture
async def pool(stack: Stack) -> AsyncIterator[db.Pool]:
    """A router pool on the session's Postgres."""
    assert stack.database_url is not None
    opened = await db.make_pool(stack.database_url, size=4)
    yield opened
    await opened.close()


def _processor(pool: db.Pool) -> BatchProcessor:
    return BatchProcessor(pool, CoreDecider(loads_config(config()).config))


async def _rows(pool: db.Pool, key: Key) -> list[dict[str, Any]]:
    """Return the key's escalations, oldest generation first."""
    rows = await pool.fetch(
        "SELECT id, generation, status, reports, follows, followed_by FROM escalations "
        "WHERE source = $1 AND external_id = $2 ORDER BY generation",
        SOURCE,
        key.external_id,
    )
    return [dict(row) for row in rows]


async def _history(pool: db.Pool, esc_id: str) -> list[tuple[str, str | None]]:
    rows = await pool.fetch(
        "SELECT action, reason FROM escalation_history WHERE escalation_id = $1 ORDER BY id",
        esc_id,
    )
    return [(row["action"], row["reason"]) for row in rows]


def _chain(key: Key, *states: tuple[str, int]) -> list[dict[str, Any]]:
    """Return the rows expected of a chain: (status, reports) per generation."""
    last = len(states) - 1
    return [
        {
            "id": key.id(n),
            "generation": n,
            "status": status,
            "reports": reports,
            "follows": key.id(n - 1) if n else None,
            "followed_by": key.id(n + 1) if n < last else None,
        }
        for n, (status, reports) in enumerate(states)
    ]


async def test_a_report_after_resolve_opens_the_next_escalation_linked_both_ways(
    pool: db.Pool,
) -> None:
    """The re-fire is generation 1: it follows generation 0, which gets followed_by."""
    key, processor = Key(), _processor(pool)
    await processor.process([key.report()])
    await processor.process([key.resolve()])
    await processor.process([key.report(1, follows=key.id())])
    assert _chain(key, ("resolved", 1), ("assigned", 1)) == await _rows(pool, key)
    old, new = await _history(pool, key.id()), await _history(pool, key.id(1))
    assert ("followed", f"fired again: new escalation {key.id(1)} follows it") == old[-1]
    assert ("received", f"fired again after {key.id()} was resolved") == new[0]


async def test_a_report_addressed_to_a_resolved_escalation_opens_the_next_one(
    pool: db.Pool,
) -> None:
    """The intake read the escalation open just before its resolve: the router re-fires."""
    key, processor = Key(), _processor(pool)
    await processor.process([key.report()])
    await processor.process([key.resolve(), key.report()])
    assert _chain(key, ("resolved", 1), ("assigned", 1)) == await _rows(pool, key)


async def test_a_report_for_the_next_escalation_merges_while_the_old_one_is_open(
    pool: db.Pool,
) -> None:
    """A re-fire whose predecessor is still open is a repeat of the predecessor."""
    key, processor = Key(), _processor(pool)
    await processor.process([key.report()])
    await processor.process([key.report(1, follows=key.id())])
    assert _chain(key, ("assigned", 2)) == await _rows(pool, key)


async def test_repeats_in_one_batch_converge_on_one_new_escalation(pool: db.Pool) -> None:
    """Re-fires addressed either way in one batch make one new escalation with every report."""
    key, processor = Key(), _processor(pool)
    await processor.process([key.report(), key.resolve()])
    refires = [key.report(1, follows=key.id()), key.report(), key.report(1, follows=key.id())]
    await processor.process(refires)
    assert _chain(key, ("resolved", 1), ("assigned", 3)) == await _rows(pool, key)


async def test_two_routers_racing_on_a_re_fire_store_one_new_escalation(pool: db.Pool) -> None:
    """Two routers applying re-fires of one key at once: one row, both reports, no error."""
    for _ in range(5):
        key = Key()
        first, second = _processor(pool), _processor(pool)
        await first.process([key.report()])
        await first.process([key.resolve()])
        await asyncio.gather(
            first.process([key.report(1, follows=key.id())]),
            second.process([key.report()]),
        )
        assert _chain(key, ("resolved", 1), ("assigned", 2)) == await _rows(pool, key)


async def test_a_second_resolve_and_re_fire_open_the_third_escalation(pool: db.Pool) -> None:
    """A report addressed to the first of two resolved escalations walks on to the third."""
    key, processor = Key(), _processor(pool)
    await processor.process([key.report(), key.resolve()])
    await processor.process([key.report(1, follows=key.id()), key.resolve(1)])
    await processor.process([key.report()])
    assert _chain(key, ("resolved", 1), ("resolved", 1), ("assigned", 1)) == await _rows(pool, key)


async def test_a_report_to_the_first_of_a_long_chain_goes_to_the_newest(pool: db.Pool) -> None:
    """Reports go to generation 0 first: after five resolves they still reach the newest."""
    key, processor = Key(), _processor(pool)
    await processor.process([key.report(), key.resolve()])
    for generation in range(1, 5):
        await processor.process([key.report(generation, follows=key.id(generation - 1))])
        await processor.process([key.resolve(generation)])
    await processor.process([key.report()])
    await processor.process([key.report()])
    states = [("resolved", 1)] * 5 + [("assigned", 2)]
    assert _chain(key, *states) == await _rows(pool, key)


async def test_both_copies_of_a_re_fire_count_once(pool: db.Pool) -> None:
    """The intake's two copies of a re-fire (to generation 0, to the new one) share an event
    id: applied at once by two routers, or one after the other, they make one report."""
    for together in (True, False):
        key = Key()
        first, second = _processor(pool), _processor(pool)
        await first.process([key.report(), key.resolve()])
        event_id = str(uuid.uuid4())
        to_first = key.report(event_id=event_id)
        to_new = key.report(1, follows=key.id(), event_id=event_id)
        if together:
            await asyncio.gather(first.process([to_first]), second.process([to_new]))
        else:
            await second.process([to_new])
            await first.process([to_first])
        assert _chain(key, ("resolved", 1), ("assigned", 1)) == await _rows(pool, key)

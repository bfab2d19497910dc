"""Against real Postgres: a batch applied while the one before it still commits."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest

from devstack.stack import Stack
from escalations.contracts.envelope import decode
from escalations.core.config import loads_config
from escalations_router.batch import BatchProcessor, Staged, Touched
from escalations_router.domain.core_decider import CoreDecider
from escalations_router.postgres import db
from tests.e2e.router.configs import config
from tests.integration.router_records import Record, received

pytestmark = pytest.mark.integration
TEAM = ["aoife", "bruno", "chen"]  # the harassment team of the test configuration


def _record(offset: int, esc_id: str | None = None) -> Record:
    return received(offset, "pipeline-test", esc_id)


@pytest.fixture
async def pool(stack: Stack) -> AsyncIterator[db.Pool]:
    assert stack.database_url is not None
    opened = await db.make_pool(stack.database_url, size=3)
    # Each test starts with an idle team: nobody open, nobody assigned yet.
    await opened.execute("DELETE FROM router_person_load WHERE person = ANY($1::text[])", TEAM)
    yield opened
    await opened.close()


def _processor(pool: db.Pool) -> BatchProcessor:
    return BatchProcessor(pool, CoreDecider(loads_config(config()).config))


async def _owners(pool: db.Pool, records: list[Record]) -> list[str]:
    ids = [r.key.decode() for r in records]
    rows = await pool.fetch("SELECT id, owner FROM escalations WHERE id = ANY($1::text[])", ids)
    by_id = {row["id"]: row["owner"] for row in rows}
    return [by_id[i] for i in ids]


async def _open_counts(pool: db.Pool) -> dict[str, int]:
    rows = await pool.fetch(
        "SELECT person, open_count FROM router_person_load WHERE person = ANY($1::text[])", TEAM
    )
    return {row["person"]: row["open_count"] for row in rows}


async def test_an_overlapped_batch_assigns_from_the_load_the_one_before_commits(
    pool: db.Pool,
) -> None:
    """Round robin runs on across two overlapping batches as if they had run one by one."""
    processor = _processor(pool)
    first = [_record(n) for n in range(3)]
    second = [_record(n) for n in range(3, 6)]
    staged = await processor.stage(first)
    following = await processor.stage(second, staged)
    await following.committed()
    assert staged.task.done()
    owners = await _owners(pool, first + second)
    # Each batch spreads over the whole team: the second starts from the first's load.
    assert sorted(owners[:3]) == TEAM
    assert sorted(owners[3:]) == TEAM
    assert {"aoife": 2, "bruno": 2, "chen": 2} == await _open_counts(pool)


async def test_a_batch_sharing_an_escalation_waits_for_the_commit(pool: db.Pool) -> None:
    """A repeat report of an escalation still being committed merges into it."""
    processor = _processor(pool)
    created = _record(0)
    repeat = _record(1, created.key.decode())
    staged = await processor.stage([created])
    following = await processor.stage([repeat], staged)
    await following.committed()
    row = await pool.fetchrow("SELECT reports FROM escalations WHERE id = $1", created.key.decode())
    assert 2 == row["reports"]
    actions = await pool.fetch(
        "SELECT action FROM escalation_history WHERE escalation_id = $1 ORDER BY id",
        created.key.decode(),
    )
    assert "duplicate_merged" in [a["action"] for a in actions]


class Held(Staged):
    """A batch in flight whose commit the test releases."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.waiting = asyncio.Event()
        super().__init__([], Touched(frozenset(), frozenset(), False), {}, None, _pending())

    async def committed(self) -> None:
        self.waiting.set()
        await self.gate.wait()
        self.task.cancel()


def _pending() -> asyncio.Task[None]:
    async def forever() -> None:
        await asyncio.Event().wait()

    return asyncio.create_task(forever())


async def test_a_load_changed_by_another_router_makes_the_batch_apply_again(
    pool: db.Pool, caplog: pytest.LogCaptureFixture
) -> None:
    """Another instance assigns between the unlocked read and the lock: no stale choice."""
    processor = _processor(pool)
    other = _processor(pool)
    held = Held()
    batch = [_record(n) for n in range(2)]
    with caplog.at_level(logging.INFO, logger="escalations_router.batch"):
        staging = asyncio.create_task(processor.stage(batch, held))
        await asyncio.wait_for(held.waiting.wait(), 10)
        # The overlapped batch has read the team idle and chosen; another router assigns now.
        elsewhere = [_record(10)]
        await other.process(elsewhere)
        held.gate.set()
        staged = await asyncio.wait_for(staging, 10)
        await staged.committed()
    assert "applying it again" in caplog.text
    owners = await _owners(pool, elsewhere + batch)
    assert sorted(owners) == TEAM
    assert {"aoife": 1, "bruno": 1, "chen": 1} == await _open_counts(pool)


class Failing(Held):
    """A batch in flight whose commit fails when the test says so."""

    async def committed(self) -> None:
        self.waiting.set()
        await self.gate.wait()
        self.task.cancel()
        raise OSError("connection lost")


async def test_a_failed_commit_fails_the_batch_applied_over_it(pool: db.Pool) -> None:
    """If the batch in flight does not commit, the one applied over it commits nothing."""
    processor = _processor(pool)
    failing = Failing()
    batch = [_record(n) for n in range(2)]
    staging = asyncio.create_task(processor.stage(batch, failing))
    await asyncio.wait_for(failing.waiting.wait(), 10)
    failing.gate.set()
    with pytest.raises(OSError, match="connection lost"):
        await staging
    ids = [r.key.decode() for r in batch]
    events = [decode(r.value).id for r in batch]
    assert 0 == await pool.fetchval("SELECT count(*) FROM escalations WHERE id = ANY($1)", ids)
    assert 0 == await pool.fetchval(
        "SELECT count(*) FROM processed_events WHERE event_id = ANY($1)", events
    )
    # Applied again on its own (as the consumer does), it commits, on a healthy pool.
    await processor.process(batch)
    assert 2 == await pool.fetchval("SELECT count(*) FROM escalations WHERE id = ANY($1)", ids)


def test_batches_overlap_only_when_they_share_nothing() -> None:
    """Sharing an escalation, an event or any schedule command makes the next batch wait."""
    base = Touched(frozenset({"e1"}), frozenset({"v1"}), False)
    assert base.apart_from(Touched(frozenset({"e2"}), frozenset({"v2"}), False))
    assert not base.apart_from(Touched(frozenset({"e1"}), frozenset({"v2"}), False))
    assert not base.apart_from(Touched(frozenset({"e2"}), frozenset({"v1"}), False))
    assert not base.apart_from(Touched(frozenset({"e2"}), frozenset({"v2"}), True))
    assert not Touched(frozenset(), frozenset(), True).apart_from(base)

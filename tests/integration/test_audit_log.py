"""The audit log on a real Postgres: gapless chained appends (the intake's and the router's),
reads, the trigger, tampering."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from devstack.stack import Stack
from escalations.audit.chain import Draft, verify
from escalations.audit.reloads import ReloadAudit
from escalations.audit.store import AuditQuery, append, append_many, append_now, iterate, page
from escalations.cli.audit import parse_line, run
from escalations.core.config import demo_config_path
from escalations.db.engine import make_engine, make_sessions
from escalations.reload import ConfigFile
from escalations_router.postgres import audit as router_audit
from escalations_router.postgres import db as router_db
from tests.support import fresh_database, query

pytestmark = pytest.mark.integration


@pytest.fixture
async def engine(database: str) -> AsyncIterator[AsyncEngine]:
    """An engine on this module's own migrated database."""
    created = make_engine(database, pool_size=10)
    yield created
    await created.dispose()


async def _all(engine: AsyncEngine) -> list[int]:
    return [entry.seq async for entry in iterate(engine)]


async def _entry(
    engine: AsyncEngine,
    actor: str = "aoife",
    action: str = "escalation.acknowledge",
    subject_kind: str = "escalation",
    subject_id: str = "esc-1",
    at: datetime | None = None,
) -> int:
    return await append_now(
        engine, actor=actor, action=action, subject_kind=subject_kind, subject_id=subject_id,
        detail={"by": actor}, at=at,
    )  # fmt: skip


async def test_concurrent_appends_are_numbered_without_gaps_and_chain(engine: AsyncEngine) -> None:
    """Forty appends at once: seq 1..n without gaps or repeats, and the chain verifies."""
    before = len(await _all(engine))
    seqs = await asyncio.gather(*(_entry(engine, f"p{i}") for i in range(40)))
    assert sorted(seqs) == list(range(before + 1, before + 41))
    entries = [entry async for entry in iterate(engine)]
    assert [] == verify(entries)


async def test_a_rolled_back_append_leaves_no_gap(engine: AsyncEngine) -> None:
    """An append in a transaction that rolls back takes no number: the next one has it."""
    async with engine.connect() as conn, conn.begin() as tx:
        taken = await append(
            conn, actor="x", action="key.create", subject_kind="key", subject_id=None,
            detail={},
        )  # fmt: skip
        await tx.rollback()
    assert taken == await _entry(engine)
    assert [] == verify([entry async for entry in iterate(engine)])


async def test_append_many_numbers_a_batch_under_one_lock(engine: AsyncEngine) -> None:
    """Three drafts in one call: consecutive seqs after the last entry, chained in order."""
    before = len(await _all(engine))
    at = datetime.now(UTC)
    drafts = [
        Draft(at=at, actor="service:router", action="escalation.escalate",
              subject_kind="escalation", subject_id=f"many-{n}", detail={"to_level": 2})
        for n in range(3)
    ]  # fmt: skip
    async with engine.begin() as conn:
        seqs = await append_many(conn, drafts)
        assert [] == await append_many(conn, [])
    assert list(range(before + 1, before + 4)) == seqs
    stored = [e async for e in iterate(engine, AuditQuery(actor="service:router"))]
    assert ["many-0", "many-1", "many-2"] == [e.subject_id for e in stored][-3:]
    assert [] == verify([entry async for entry in iterate(engine)])


async def test_the_routers_appends_queue_with_the_intakes(
    engine: AsyncEngine, database: str
) -> None:
    """The router's asyncpg appender and the intake's, at once: one gapless, valid chain.

    A router transaction that rolls back leaves no entry and no gap.
    """
    pool = await router_db.make_pool(database, size=4)
    try:

        async def router_batch(n: int, commit: bool = True) -> None:
            async with pool.acquire() as connection:
                transaction = connection.transaction()
                await transaction.start()
                drafts = [
                    Draft(at=datetime.now(UTC), actor="service:router",
                          action="escalation.raise_tier", subject_kind="escalation",
                          subject_id=f"r{n}-{k}", detail={"from_tier": "P3", "to_tier": "P0"})
                    for k in range(2)
                ]  # fmt: skip
                await router_audit.append_many(connection, drafts)
                await (transaction.commit() if commit else transaction.rollback())

        before = len(await _all(engine))
        await asyncio.gather(
            *(router_batch(n) for n in range(10)),
            *(_entry(engine, f"q{i}") for i in range(10)),
            router_batch(99, commit=False),
        )
    finally:
        await pool.close()
    assert list(range(1, before + 31)) == await _all(engine)
    assert [] == verify([entry async for entry in iterate(engine)])
    assert [] == [e async for e in iterate(engine, AuditQuery(subject_id="r99-0"))]


async def test_append_joins_a_session_transaction(engine: AsyncEngine) -> None:
    """Appended on an ORM session, the entry commits with the session's own writes."""
    async with make_sessions(engine)() as session:
        seq = await append(
            session, actor="orla", action="token.create", subject_kind="token",
            subject_id="t-1", detail={"scopes": ["escalations:read"]},
            client_address="192.0.2.7", user_agent="curl/8\x1b[31m",
        )  # fmt: skip
        await session.commit()
    (entry,) = [e async for e in iterate(engine, AuditQuery(actor="orla"))]
    assert (seq, "curl/8\ufffd[31m") == (entry.seq, entry.user_agent)
    assert [] == verify([e async for e in iterate(engine)])


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log", "TRUNCATE audit_log"],
)
async def test_the_trigger_refuses_changes(engine: AsyncEngine, statement: str) -> None:
    """UPDATE, DELETE and TRUNCATE are refused: the log is append-only."""
    await _entry(engine)
    with pytest.raises(DBAPIError, match="append-only"):
        async with engine.begin() as conn:
            await conn.execute(text(statement))


async def test_page_filters_and_pages_newest_first(engine: AsyncEngine) -> None:
    """Filters by actor, action prefix, subject and time; pages by seq, newest first."""
    at = datetime(2031, 5, 1, 12, tzinfo=UTC)
    for minute, action in enumerate(["override.create", "override.cancel", "time_off.create"]):
        await _entry(
            engine, "niamh", action=action, subject_kind=action.split(".")[0],
            subject_id=f"s{minute}", at=at + timedelta(minutes=minute),
        )  # fmt: skip
    by_niamh = AuditQuery(actor="niamh")
    first, cursor = await page(engine, by_niamh, 2)
    assert ["time_off.create", "override.cancel"] == [e.action for e in first]
    rest, end = await page(engine, by_niamh, 2, cursor)
    assert (["override.create"], None) == ([e.action for e in rest], end)
    overrides, _ = await page(engine, AuditQuery(actor="niamh", action="override"), 10)
    assert 2 == len(overrides)
    assert [] == (await page(engine, AuditQuery(action="overrid"), 10))[0], "dotted prefix only"
    one, _ = await page(engine, AuditQuery(subject_kind="override", subject_id="s1"), 10)
    assert ["override.cancel"] == [e.action for e in one]
    window = AuditQuery(actor="niamh", since=at + timedelta(minutes=1), until=at + timedelta(2))
    assert 2 == len((await page(engine, window, 10))[0])


def test_export_and_verify_commands(database: str) -> None:
    """``export`` writes every entry as a line in seq order; ``verify`` says ok."""
    out, err = io.StringIO(), io.StringIO()
    assert 0 == run(["export"], out, err, database)
    seqs = [parse_line(line).seq for line in out.getvalue().splitlines()]
    assert seqs == list(range(1, len(seqs) + 1))
    again = io.StringIO()
    assert 0 == run(["export"], again, err, database)
    assert again.getvalue() == out.getvalue(), "exports are byte-for-byte repeatable"
    out = io.StringIO()
    assert 0 == run(["verify"], out, err, database)
    assert f"ok: {len(seqs)} entries\n" == out.getvalue()


async def test_reloads_are_audited_refused_and_applied(engine: AsyncEngine, tmp_path: Path) -> None:
    """A ``ConfigFile`` with the hook records each reload's outcome as ``service:intake``."""
    path = tmp_path / "config.yaml"
    good = demo_config_path().read_text(encoding="utf-8")
    path.write_text(good, encoding="utf-8")
    config = ConfigFile.load(path)
    hook = ReloadAudit(engine, "intake", str(path))
    config.on_outcome = hook
    path.write_text("teams: [", encoding="utf-8")
    assert not config.reload()
    path.write_text(good, encoding="utf-8")
    assert config.reload()
    await hook.drain()
    found = [e async for e in iterate(engine, AuditQuery(action="config.reload"))]
    assert ["refused", "applied"] == [e.detail["outcome"] for e in found]
    assert {"service:intake"} == {e.actor for e in found}
    assert "error" in found[0].detail


@pytest.mark.parametrize(
    ("tamper", "named"),
    [
        ("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2", "broken at entry 2: changed"),
        ("DELETE FROM audit_log WHERE seq = 2", "broken at entry 3: entry 2 missing"),
        (
            "UPDATE audit_log SET seq = -seq WHERE seq IN (2, 3);"
            "UPDATE audit_log SET seq = CASE seq WHEN -2 THEN 3 ELSE 2 END WHERE seq < 0",
            "broken at entry 2: prev_hash does not match",
        ),
    ],
    ids=["changed", "deleted", "swapped"],
)
def test_verify_catches_an_owner_who_disables_the_trigger(
    stack: Stack, tamper: str, named: str
) -> None:
    """As the table owner an attacker can disable the trigger; ``verify`` still exits 1."""
    assert stack.database_url is not None
    url = fresh_database(stack.database_url, "audit_tamper")

    async def setup() -> None:
        engine = make_engine(url, pool_size=1)
        for i in range(4):
            await _entry(engine, f"p{i}")
        await engine.dispose()
        for statement in [
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete",
            *tamper.split(";"),
            "ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete",
        ]:
            await query(url, statement)

    asyncio.run(setup())
    out, err = io.StringIO(), io.StringIO()
    assert 1 == run(["verify"], out, err, url)
    assert err.getvalue().startswith(named), err.getvalue()

"""Stakeholder context and retry addresses over real Postgres: one query per table per batch,
removed subscriptions and callbacks park their retries (docs/notifier.md)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import orjson
import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from escalations.db.held import HeldConnection
from escalations_notifier.addresses import Addresses
from escalations_notifier.breaker import Breakers
from escalations_notifier.channels import Message
from escalations_notifier.context import Callback, Request, Subscription
from escalations_notifier.context_db import ContextLoader
from escalations_notifier.deliver import Deliverer, RetryPolicy
from escalations_notifier.ledger import RETRYING, Ledger, Outcome
from escalations_notifier.retrier import Retrier
from tests.unit.notifier.fixtures import NOW
from tests.unit.notifier.stakeholder_data import planner

pytestmark = pytest.mark.integration
E1, E2 = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"


@pytest.fixture
async def engine(ledger_engine: AsyncEngine) -> AsyncEngine:
    """The module's database with two escalations, three subscriptions and one callback."""
    async with ledger_engine.begin() as conn:
        for table in ("escalations", "escalation_subscriptions", "source_callbacks"):
            await conn.execute(text(f"TRUNCATE {table}"))
        for escalation_id, request in (
            (E1, {"external_id": "X1", "reporter": {"contact": "r@example.net"},
                  "signals": {"press_inquiry": True}, "regulatory": {"reference": "R1"}}),
            (E2, {"reporter": {"contact": "+353 1 555 0100"}}),
        ):  # fmt: skip
            await conn.execute(
                text(
                    "INSERT INTO escalations (id, source, source_kind, status, title, "
                    "policy_area, tier, score, level, reports, request, priority, received_at, "
                    "created_at, updated_at, version, generation) VALUES (:id, 'desk-src', "
                    "'internal_tool', 'assigned', 't', 'spam', 'P1', 1, 1, 1, "
                    "CAST(:request AS jsonb), '{}', now(), now(), now(), 1, 0)"
                ),
                {"id": escalation_id, "request": orjson.dumps(request).decode()},
            )
        await conn.execute(text(
            "INSERT INTO escalation_subscriptions (id, escalation_id, kind, target, created_by, "
            "created_at, removed_at) VALUES "
            "('live', :e1, 'webhook', 'https://sub.test/live', 'lee', now(), NULL), "
            "('mail', :e1, 'email', 'w@example.org', 'lee', now(), NULL), "
            "('gone', :e1, 'webhook', 'https://sub.test/gone', 'lee', now(), now())"
        ), {"e1": E1})  # fmt: skip
        await conn.execute(text(
            "INSERT INTO source_callbacks (source, url, email, updated_by, updated_at) VALUES "
            "('desk-src', 'https://cb.test/desk', 'ops@desk.example', 'admin', now())"
        ))  # fmt: skip
    return ledger_engine


def counting(engine: AsyncEngine) -> list[str]:
    """Return a list that collects every statement the engine runs from now on."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    sa_event.listen(engine.sync_engine, "before_cursor_execute", record)
    return statements


async def test_a_batch_context_takes_one_round_trip(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Requests, live subscriptions and callbacks of a batch: one statement, held connection."""
    statements = counting(engine)
    held: list[str] = []
    fetch = HeldConnection.fetch

    async def counted(self: HeldConnection, sql: str, *args: object) -> list[Any]:
        held.append(sql)
        return await fetch(self, sql, *args)

    monkeypatch.setattr(HeldConnection, "fetch", counted)
    loader = ContextLoader(engine)
    try:
        found = await loader.load([E1, E2, E1, "unknown"], ["desk-src", "nobody"])
    finally:
        await loader.close()
    assert 1 == len(held)
    assert [] == [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert found.request(E1) == Request(external_id="X1", reference="R1",
                                        reporter_contact="r@example.net",
                                        signals=frozenset({"press_inquiry"}))  # fmt: skip
    assert (None, Request()) == (found.request(E2).reporter_contact, found.request("unknown"))
    assert (
        (Subscription("live", "webhook", "https://sub.test/live"),
         Subscription("mail", "email", "w@example.org")),
        {"desk-src": Callback("https://cb.test/desk", "ops@desk.example")},
    ) == (found.subscriptions[E1], dict(found.callbacks))  # fmt: skip


class Channel:
    """A webhook adapter recording where it sent."""

    name = "webhook"

    def __init__(self) -> None:
        self.sent: list[str] = []

    def endpoint(self, message: Message) -> str:
        return "https://sub.test"

    async def send(self, message: Message) -> None:
        self.sent.append(message.address)


class Dlq:
    """Records parked records."""

    def __init__(self) -> None:
        self.records: list[bytes] = []

    async def send_and_wait(self, topic: str, value: bytes, **kwargs: Any) -> None:
        self.records.append(value)


async def test_a_retry_finds_live_stakeholders_and_parks_removed_ones(engine: AsyncEngine) -> None:
    """sub:live and source: are sent to their stored addresses; sub:gone is parked, and
    neither the ledger nor the DLQ names its URL."""
    ledger = Ledger(engine, 60, "it")
    channel, dlq = Channel(), Dlq()
    deliverer = Deliverer({"webhook": channel}, ledger, dlq, RetryPolicy(3, 0.01, 0.02),
                          Breakers(5, 1))  # fmt: skip
    base = Message("ev-1", "escalation.resolved", E1, "", "webhook", "", {"title": "t"}, NOW)
    recipients = ("sub:live", "sub:gone", "source:desk-src")
    messages = [replace(base, recipient=r) for r in recipients]
    try:
        await ledger.claim(messages, [])
        await ledger.finish([Outcome(m.key, RETRYING, 1, "timeout") for m in messages])
        context = ContextLoader(engine)
        retrier = Retrier(
            ledger, deliverer, planner(), 0.1, addresses=Addresses(planner(), context)
        )
        assert 3 == await retrier.once()
    finally:
        await ledger.close()
    assert ["https://sub.test/live", "https://cb.test/desk"] == sorted(channel.sent, reverse=True)
    async with engine.connect() as conn:
        rows = dict((await conn.execute(text(
            "SELECT recipient, status || ' ' || coalesce(last_error, '') FROM deliveries"
        ))).all())  # fmt: skip
    assert {
        "sub:live": "sent ", "source:desk-src": "sent ",
        "sub:gone": "dead_lettered no webhook address for sub:gone any more (removed)",
    } == rows  # fmt: skip
    assert 1 == len(dlq.records)
    assert b"sub.test" not in dlq.records[0]

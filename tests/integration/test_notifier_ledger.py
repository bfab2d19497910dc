"""The notifier's ledger against real Postgres: batch claims, ordering, leases, replay."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from escalations_notifier.channels import Message
from escalations_notifier.ledger import Ledger, Outcome

pytestmark = pytest.mark.integration
AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
async def ledger_of(ledger_engine: AsyncEngine) -> AsyncIterator[Callable[[float], Ledger]]:
    """A maker of ledgers with a given lease; their held connections close after the test."""
    made: list[Ledger] = []

    def make(lease_seconds: float) -> Ledger:
        made.append(Ledger(ledger_engine, lease_seconds))
        return made[-1]

    yield make
    for ledger in made:
        await ledger.close()


def msg(event: str, escalation: str = "x1", channel: str = "pagerduty") -> Message:
    """Return a message for ana."""
    return Message(
        event, "escalation.assigned", escalation, "ana", channel, "KEY", {"n": event}, AT
    )


async def statuses(ledger_engine: AsyncEngine) -> dict[str, str]:
    """Return event id -> status."""
    async with ledger_engine.connect() as conn:
        rows = await conn.execute(text("SELECT event_id, status FROM deliveries"))
        return {r[0]: r[1] for r in rows}


async def test_claim_owns_new_rows_only(ledger_of: Callable[[float], Ledger]) -> None:
    """The first claim owns the rows; a redelivered batch owns nothing."""
    ledger = ledger_of(60)
    first = await ledger.claim([msg("e1"), msg("e2", "x2")], [])
    again = await ledger.claim([msg("e1"), msg("e2", "x2")], [])
    assert ({("e1", "ana", "pagerduty"), ("e2", "ana", "pagerduty")}, set()) == (
        set(first.owned), set(again.owned),
    )  # fmt: skip


async def test_sent_rows_are_never_claimed_again(
    ledger_engine: AsyncEngine, ledger_of: Callable[[float], Ledger]
) -> None:
    """After finish(sent), neither a redelivery nor the retry queue sends it again."""
    ledger = ledger_of(0.01)
    await ledger.claim([msg("e1")], [])
    await ledger.finish([Outcome(("e1", "ana", "pagerduty"), "sent", 1)])
    await asyncio.sleep(0.05)
    assert (frozenset(), [], {"e1": "sent"}) == (
        (await ledger.claim([msg("e1")], [])).owned, await ledger.lease_due(10),
        await statuses(ledger_engine),
    )  # fmt: skip


async def test_quiet_hours_holds_are_recorded_with_their_release(
    ledger_engine: AsyncEngine, ledger_of: Callable[[float], Ledger]
) -> None:
    """A held message gets a row with the reason and its release instant, and is not owned."""
    ledger = ledger_of(60)
    release = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
    claimed = await ledger.claim([], [(msg("e1"), "quiet hours 22:00-07:00 UTC", release)])
    async with ledger_engine.connect() as conn:
        sql = text("SELECT status, last_error, next_attempt_at FROM deliveries")
        row = (await conn.execute(sql)).one()
    expected = ("held", "quiet hours 22:00-07:00 UTC", release)
    assert ({("e1", "ana", "pagerduty")}, frozenset(), expected) == (
        set(claimed.held), claimed.owned, tuple(row),
    )  # fmt: skip


async def test_expired_lease_is_picked_up_by_the_retry_queue(
    ledger_of: Callable[[float], Ledger],
) -> None:
    """A pending row whose sender died is leased again once, with its stored body."""
    ledger = ledger_of(0.2)
    await ledger.claim([msg("e1")], [])
    assert [] == await ledger.lease_due(10)
    await asyncio.sleep(0.3)
    leased = await ledger.lease_due(10)
    assert ([("e1", "ana", "pagerduty")], {"n": "e1"}, []) == (
        [r.key for r in leased], leased[0].body, await ledger.lease_due(10),
    )  # fmt: skip


async def test_newer_message_of_a_stream_waits_behind_an_unfinished_one(
    ledger_of: Callable[[float], Ledger],
) -> None:
    """A resolve claimed while the page is still retrying is blocked, then leased after it."""
    ledger = ledger_of(60)
    await ledger.claim([msg("page")], [])
    await ledger.finish([Outcome(("page", "ana", "pagerduty"), "retrying", 1, "503", 0.0)])
    resolve = Message("res", "escalation.resolved", "x1", "ana", "pagerduty", "KEY", {}, AT)
    claimed = await ledger.claim([resolve], [])
    assert {("res", "ana", "pagerduty")} == set(claimed.blocked)
    await ledger.finish([Outcome(("res", "ana", "pagerduty"), "retrying", 0, "queued", 0.0)])
    assert ["page"] == [r.key[0] for r in await ledger.lease_due(10)]
    await ledger.finish([Outcome(("page", "ana", "pagerduty"), "sent", 2)])
    assert ["res"] == [r.key[0] for r in await ledger.lease_due(10)]


async def test_paged_lists_open_pages_per_escalation(ledger_of: Callable[[float], Ledger]) -> None:
    """Sent or pending pages and webhooks count; chat, parked and closing rows do not."""
    ledger = ledger_of(60)
    await ledger.claim([msg("a", "x1"), msg("b", "x1", "webhook"), msg("c", "x1", "slack"),
                        msg("d", "x2")], [])  # fmt: skip
    await ledger.finish([Outcome(("d", "ana", "pagerduty"), "dead_lettered", 6, "gone")])
    found = await ledger.paged(["x1", "x2", "x3"])
    assert {"x1": [("ana", "pagerduty"), ("ana", "webhook")], "x2": [], "x3": []} == found


async def test_replay_moves_parked_rows_back_once(
    ledger_engine: AsyncEngine, ledger_of: Callable[[float], Ledger]
) -> None:
    """Replay only touches dead-lettered rows, and only once."""
    ledger = ledger_of(60)
    await ledger.claim([msg("e1"), msg("e2", "x2")], [])
    await ledger.finish([Outcome(("e1", "ana", "pagerduty"), "dead_lettered", 6, "503"),
                         Outcome(("e2", "ana", "pagerduty"), "sent", 1)])  # fmt: skip
    keys = [("e1", "ana", "pagerduty"), ("e2", "ana", "pagerduty")]
    assert (1, [("e1", "ana", "pagerduty")], []) == (
        await ledger.parked(), await ledger.replay(keys), await ledger.replay(keys),
    )  # fmt: skip
    assert ({"e1": "retrying", "e2": "sent"}, 0) == (
        await statuses(ledger_engine),
        await ledger.parked(),
    )


async def test_one_batch_claim_of_a_thousand_messages(ledger_of: Callable[[float], Ledger]) -> None:
    """A large batch is claimed in one statement (array parameters, no parameter limit)."""
    ledger = ledger_of(60)
    messages = [msg(f"e{i}", f"x{i}") for i in range(1000)]
    assert 1000 == len((await ledger.claim(messages, [])).owned)


async def test_a_claim_keeps_body_and_event_time_exactly(
    ledger_engine: AsyncEngine, ledger_of: Callable[[float], Ledger]
) -> None:
    """What a retry needs comes back as written: the nested body and the event time."""
    body = {"n": "e1", "nested": {"list": [1, "two", None], "quote": 'a "b" \\u00e9'}}
    at = datetime(2026, 11, 25, 12, 0, 0, 123456, tzinfo=UTC)
    message = Message("e1", "escalation.assigned", "x1", "ana", "webhook", "URL", body, at)
    ledger = ledger_of(0.01)
    await ledger.claim([message], [])
    await asyncio.sleep(0.05)
    leased = await ledger.lease_due(10)
    assert (body, at) == (leased[0].body, leased[0].event_time)


async def test_a_claim_refuses_an_event_time_without_a_timezone(
    ledger_of: Callable[[float], Ledger],
) -> None:
    """A naive event time is an error naming the event, not a guess."""
    naive = Message(
        "e9", "escalation.assigned", "x1", "ana", "webhook", "U", {}, AT.replace(tzinfo=None)
    )
    with pytest.raises(ValueError, match="e9"):
        await ledger_of(60).claim([naive], [])

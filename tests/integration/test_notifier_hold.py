"""Quiet hours hold against real Postgres: release when due, drop when the escalation closed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from escalations.contracts.envelope import encode
from escalations.contracts.events import EscalationAcknowledged, EscalationAssigned
from escalations.core.escalation import Tier
from escalations_notifier.batch import Notifier
from escalations_notifier.channels import Message
from escalations_notifier.ledger import Ledger
from tests.unit.notifier.fixtures import ESCALATION_ID, event, planner, summary

pytestmark = pytest.mark.integration
REASON = "quiet hours 22:00-07:00 Europe/Dublin"


@pytest.fixture
async def ledger(ledger_engine: AsyncEngine) -> AsyncIterator[Ledger]:
    """A ledger with a long lease; its held connections close after the test."""
    made = Ledger(ledger_engine, 60)
    yield made
    await made.close()


def msg(event_id: str, channel: str = "webhook", escalation: str = "x1") -> Message:
    """Return a message for ana."""
    at = datetime.now(UTC)
    return Message(event_id, "escalation.assigned", escalation, "ana", channel, "ADDR", {}, at)


async def rows(engine: AsyncEngine) -> list[tuple[Any, ...]]:
    """Return (event id, channel, status, last_error) of every row, by event and channel."""
    sql = "SELECT event_id, channel, status, last_error FROM deliveries ORDER BY 1, 2"
    async with engine.connect() as conn:
        return [tuple(r) for r in await conn.execute(text(sql))]


async def test_a_held_row_is_leased_once_its_quiet_hours_end(
    ledger_engine: AsyncEngine, ledger: Ledger
) -> None:
    """Before the release instant the retry queue leaves it; after it, it is leased once."""
    soon = datetime.now(UTC) + timedelta(seconds=0.5)
    await ledger.claim([], [(msg("e1"), REASON, soon)])
    assert [] == await ledger.lease_due(10)
    await asyncio.sleep(0.7)
    leased = await ledger.lease_due(10)
    assert ([("e1", "ana", "webhook")], [], [("e1", "webhook", "pending", REASON)]) == (
        [r.key for r in leased], await ledger.lease_due(10), await rows(ledger_engine),
    )  # fmt: skip


async def test_a_held_row_does_not_hold_up_its_stream(ledger: Ledger) -> None:
    """A later message of the same escalation, recipient and channel (a P0) goes out at once."""
    later = datetime.now(UTC) + timedelta(hours=8)
    await ledger.claim([], [(msg("e1"), REASON, later)])
    claimed = await ledger.claim([msg("e2")], [])
    assert ({("e2", "ana", "webhook")}, frozenset()) == (set(claimed.owned), claimed.blocked)


async def test_a_closed_escalation_drops_its_held_rows_with_the_reason(
    ledger_engine: AsyncEngine, ledger: Ledger
) -> None:
    """Held rows of the escalation become not_needed, final; others and sent rows stay."""
    soon = datetime.now(UTC) + timedelta(seconds=0.3)
    held = [(msg("e1"), REASON, soon), (msg("e1", "slack"), REASON, soon)]
    await ledger.claim([msg("e1", "email")], [*held, (msg("e9", escalation="x9"), REASON, soon)])
    why = "no longer needed: acknowledged at 2026-11-25T23:50:00+00:00 by ana"
    dropped = await ledger.drop_held({"x1": why})
    await asyncio.sleep(0.4)
    leased = await ledger.lease_due(10)
    assert {("e1", "ana", "webhook"), ("e1", "ana", "slack")} == set(dropped)
    assert [("e9", "ana", "webhook")] == [r.key for r in leased]
    assert [
        ("e1", "email", "pending", None),
        ("e1", "slack", "not_needed", why),
        ("e1", "webhook", "not_needed", why),
        ("e9", "webhook", "pending", REASON),
    ] == await rows(ledger_engine)
    assert [] == await ledger.drop_held({"x1": why})  # nothing held is left to drop


async def test_a_released_row_is_not_dropped_by_a_late_close(ledger: Ledger) -> None:
    """Once the retry queue has leased it, a close seen later does not undo the send."""
    await ledger.claim([], [(msg("e1"), REASON, datetime.now(UTC) - timedelta(seconds=1))])
    assert 1 == len(await ledger.lease_due(10))
    assert [] == await ledger.drop_held({"x1": "no longer needed: resolved"})


class Record:
    """A consumed record holding an event."""

    def __init__(self, value: bytes) -> None:
        self.value, self.key = value, ESCALATION_ID.encode()
        self.offset, self.partition, self.topic = 1, 0, "escalations.events.v1"


class NoSends:
    """A deliverer the claim path never calls."""

    async def run(self, attempts: Sequence[object], blocked: frozenset[object]) -> None:
        raise AssertionError("claim must not send")


async def test_hold_then_acknowledge_through_the_notifier(
    ledger_engine: AsyncEngine, ledger: Ledger
) -> None:
    """A night P1 is held in the ledger; its acknowledgement records it as no longer needed."""
    notifier = Notifier(planner(), ledger, NoSends())  # type: ignore[arg-type]
    night = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)
    opened = EscalationAssigned(escalation=summary(tier=Tier.P1), owner="ana", team="desk")
    acked = EscalationAcknowledged(escalation=summary(tier=Tier.P1), by="ana")
    await notifier.claim(notifier.prepare([Record(encode(event(opened, at=night)))]))
    sql = "SELECT channel, status, next_attempt_at FROM deliveries WHERE status = 'held'"
    # (the team's chat channel is not a person: it has no quiet hours)
    async with ledger_engine.connect() as conn:
        held = sorted(tuple(r) for r in await conn.execute(text(sql)))
    morning = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
    assert [(c, "held", morning) for c in ("pagerduty", "slack", "teams", "webhook")] == held
    ack_at = night + timedelta(minutes=5)
    await notifier.claim(notifier.prepare([Record(encode(event(acked, at=ack_at)))]))
    why = f"no longer needed: acknowledged at {ack_at.isoformat()} by ana"
    sql = "SELECT channel, status, last_error FROM deliveries WHERE recipient = 'ana' ORDER BY 1"
    async with ledger_engine.connect() as conn:
        final = [tuple(r) for r in await conn.execute(text(sql))]
    expected = [(c, "not_needed", why) for c in ("pagerduty", "slack", "teams", "webhook")]
    assert [("email", "pending", None), *expected] == final

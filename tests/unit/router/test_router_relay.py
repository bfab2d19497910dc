"""The relay's hand-over: reserved rows are never read, handed rows go out without a read."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from escalations_router.relay import Relay, Row
from tests.fakes.router import FakeOutboxConnection, FakeProducer

ROWS: list[Row] = [
    (11, "evt-a", "escalations.events.v1", "esc-1", '{"id": "evt-a"}'),
    (12, "evt-b", "escalations.events.v1", "esc-1", '{"id": "evt-b"}'),
]


@dataclass
class Leading:
    relay: Relay
    conn: FakeOutboxConnection
    producer: FakeProducer
    stop: asyncio.Event


async def _settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


@pytest.fixture
async def leading() -> AsyncIterator[Leading]:
    """A relay leading on fakes, past its first read; no idle read within a test."""
    conn, producer, stop = FakeOutboxConnection(), FakeProducer(), asyncio.Event()
    relay = Relay(_never, producer, "unused:9092", batch=500, idle_seconds=60)  # type: ignore[arg-type]
    task = asyncio.create_task(relay._lead(conn, stop))
    await _settle()
    assert len(conn.reads) == 1
    yield Leading(relay, conn, producer, stop)
    stop.set()
    relay.wake()
    await asyncio.wait_for(task, 5)


async def _never() -> Any:
    raise AssertionError("the relay under test leads on a given connection")


async def test_handed_over_rows_are_published_without_a_read_and_marked_by_the_next(
    leading: Leading,
) -> None:
    """Rows of a committed batch go to Kafka in order; the next read marks them sent."""
    token = leading.relay.reserve(ROWS)
    assert token is not None
    leading.relay.hand_over(token, ROWS)
    await _settle()
    assert [(b"esc-1", b'{"id": "evt-a"}'), (b"esc-1", b'{"id": "evt-b"}')] == [
        (key, value) for _, key, value in leading.producer.sent
    ]
    assert len(leading.conn.reads) == 1  # no read for them
    leading.relay.wake()
    await _settle()
    _, marked, _, _, _ = leading.conn.reads[-1]
    assert [11, 12] == marked


async def test_reads_leave_out_reserved_rows_and_their_escalations(leading: Leading) -> None:
    """While a batch commits, a read skips its rows by id and every row with their keys."""
    token = leading.relay.reserve(ROWS)
    assert token is not None
    leading.relay.wake()
    await _settle()
    _, _, skipped, _, keys = leading.conn.reads[-1]
    assert ([11, 12], ["esc-1"]) == (sorted(skipped), keys)
    leading.relay.release(token)  # the commit failed: read them like any row
    await _settle()
    _, _, skipped, _, keys = leading.conn.reads[-1]
    assert ([], []) == (skipped, keys)
    assert [] == leading.producer.sent


async def test_a_reservation_from_an_earlier_lead_is_void(leading: Leading) -> None:
    """Once the lead ends, a late hand-over publishes nothing: the next leader reads the rows."""
    token = leading.relay.reserve(ROWS)
    assert token is not None
    leading.stop.set()
    leading.relay.wake()
    await _settle()
    leading.relay.hand_over(token, ROWS)
    await _settle()
    assert [] == leading.producer.sent
    assert leading.relay.reserve(ROWS) is None  # not leading


async def test_rows_reserved_while_a_read_runs_come_once_by_hand_over(leading: Leading) -> None:
    """Postgres took the read's snapshot after a batch reserved and committed: no double send."""
    later = (13, "evt-c", "escalations.events.v1", "esc-1", '{"id": "evt-c"}')
    other = (14, "evt-d", "escalations.events.v1", "esc-2", '{"id": "evt-d"}')
    tokens: list[int | None] = []
    leading.conn.during_read.append(lambda: tokens.append(leading.relay.reserve(ROWS)))
    leading.conn.answers.append([*ROWS, later, other])
    leading.relay.wake()
    await _settle()
    # The read sends only the row of another escalation: the reserved rows come by hand-over,
    # and the later row of their escalation must not overtake them.
    assert [b"esc-2"] == [key for _, key, _ in leading.producer.sent]
    (token,) = tokens
    assert token is not None
    leading.relay.hand_over(token, ROWS)
    await _settle()
    assert [b"esc-2", b"esc-1", b"esc-1"] == [key for _, key, _ in leading.producer.sent]

"""The ledger's redelivery marks, own-row reclaim, wake-ups and claim retries, on Postgres."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from escalations_notifier.ledger import Ledger, Outcome

from .test_notifier_ledger import msg

pytestmark = pytest.mark.integration
KEY = ("e1", "ana", "pagerduty")


@pytest.fixture
async def ledger_as(ledger_engine: AsyncEngine) -> AsyncIterator[Callable[[str, float], Ledger]]:
    """A maker of ledgers for a notifier instance with a lease; closed after the test."""
    made: list[Ledger] = []

    def make(owner: str, lease_seconds: float) -> Ledger:
        made.append(Ledger(ledger_engine, lease_seconds, owner))
        return made[-1]

    yield make
    for ledger in made:
        await ledger.close()


async def row(ledger_engine: AsyncEngine) -> tuple[str, str | None, int]:
    """Return (status, owner, redeliveries) of the one row."""
    async with ledger_engine.connect() as conn:
        found = await conn.execute(text("SELECT status, owner, redeliveries FROM deliveries"))
        status, owner, redeliveries = found.one()
        return status, owner, redeliveries


async def test_a_row_whose_lease_ran_out_while_pending_is_leased_as_a_redelivery(
    ledger_engine: AsyncEngine, ledger_as: Callable[[str, float], Ledger]
) -> None:
    """Claimed by n-1, never recorded: n-2 leases it marked and counted, under its own name."""
    first, second = ledger_as("n-1", 0.2), ledger_as("n-2", 60)
    await first.claim([msg("e1")], [])
    early = await second.lease_due(10)
    await asyncio.sleep(0.3)
    leased = await second.lease_due(10)
    assert ([], [True]) == (early, [r.redelivery for r in leased])
    assert ("pending", "n-2", 1) == await row(ledger_engine)


async def test_a_recorded_retry_is_leased_without_a_mark(
    ledger_engine: AsyncEngine, ledger_as: Callable[[str, float], Ledger]
) -> None:
    """A failure that was recorded is a plain retry: its outcome was known."""
    ledger = ledger_as("n-1", 60)
    await ledger.claim([msg("e1")], [])
    await ledger.finish([Outcome(KEY, "retrying", 1, "503", 0.0)])
    leased = await ledger.lease_due(10)
    assert ([False], 0) == ([r.redelivery for r in leased], (await row(ledger_engine))[2])


async def test_a_restarted_instance_takes_back_its_own_rows_at_once(
    ledger_as: Callable[[str, float], Ledger],
) -> None:
    """Rows n-1 claimed are due again when n-1 starts; another instance's rows are not."""
    before, other = ledger_as("n-1", 60), ledger_as("n-2", 60)
    await before.claim([msg("e1")], [])
    await other.claim([msg("e2", "x2")], [])
    restarted = ledger_as("n-1", 60)
    reclaimed = await restarted.reclaim_own()
    leased = await restarted.lease_due(10)
    assert (1, [("e1", True)]) == (reclaimed, [(r.key[0], r.redelivery) for r in leased])


async def test_a_wake_makes_a_channels_waiting_retries_due_now(
    ledger_as: Callable[[str, float], Ledger],
) -> None:
    """A retry waiting an hour is due at once when its channel's endpoint answers again."""
    ledger = ledger_as("n-1", 60)
    await ledger.claim([msg("e1"), msg("e2", "x2", channel="webhook")], [])
    await ledger.finish(
        [
            Outcome(KEY, "retrying", 1, "circuit open", 3600.0),
            Outcome(("e2", "ana", "webhook"), "retrying", 1, "circuit open", 3600.0),
        ]
    )
    asleep = await ledger.lease_due(10)
    await ledger.wake(["pagerduty"])
    assert ([], ["e1"]) == (asleep, [r.key[0] for r in await ledger.lease_due(10)])


async def test_a_claim_tried_again_takes_the_rows_its_first_try_wrote(
    ledger_as: Callable[[str, float], Ledger],
) -> None:
    """After a claim whose answer was lost, the retry owns its rows; another claim does not."""
    ledger, other = ledger_as("n-1", 60), ledger_as("n-2", 60)
    await ledger.claim([msg("e1")], [])  # committed, answer "lost"
    plain = await ledger.claim([msg("e1")], [])
    foreign = await other.claim([msg("e1")], [], again=True)
    again = await ledger.claim([msg("e1")], [], again=True)
    assert (set(), set(), {KEY}) == (set(plain.owned), set(foreign.owned), set(again.owned))


async def test_a_claim_tried_again_leaves_rows_that_moved_on(
    ledger_as: Callable[[str, float], Ledger],
) -> None:
    """A row already sent (or retried) is not owned again by a retried claim."""
    ledger = ledger_as("n-1", 60)
    await ledger.claim([msg("e1")], [])
    await ledger.finish([Outcome(KEY, "sent", 1)])
    assert set() == set((await ledger.claim([msg("e1")], [], again=True)).owned)

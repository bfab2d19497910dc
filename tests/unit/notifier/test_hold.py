"""Quiet hours hold: held messages are claimed with their release instant, dropped on a close."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY

from escalations.contracts.envelope import Envelope, encode
from escalations.contracts.events import (
    EscalationAcknowledged,
    EscalationAssigned,
    EscalationResolved,
    Resolution,
    RiseCause,
    TierRaised,
)
from escalations.core.escalation import Tier
from escalations_notifier.batch import Notifier
from escalations_notifier.channels import Message
from escalations_notifier.ledger import Claimed, Key

from .fixtures import ESCALATION_ID, NIGHT, event, planner, summary

MORNING = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)


class Record:
    """A consumed record holding an event."""

    def __init__(self, envelope: Envelope) -> None:
        self.value = encode(envelope)
        self.key = ESCALATION_ID.encode()
        self.offset, self.partition, self.topic = 1, 0, "escalations.events.v1"


class HoldingLedger:
    """Claims what it is given, remembers held rows, and drops them when asked."""

    def __init__(self) -> None:
        self.held: list[tuple[Message, str, datetime]] = []
        self.drops: list[dict[str, str]] = []

    async def claim(
        self, messages: Sequence[Message], held: Sequence[tuple[Message, str, datetime]]
    ) -> Claimed:
        self.held += held
        keys = frozenset(m.key for m, _, _ in held)
        return Claimed(frozenset(m.key for m in messages), frozenset(), keys)

    async def paged(self, ids: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
        return {i: [] for i in ids}

    async def drop_held(self, reasons: Mapping[str, str]) -> list[Key]:
        self.drops.append(dict(reasons))
        return [(h[0].event_id, h[0].recipient, h[0].channel) for h in self.held]


def _notifier(ledger: HoldingLedger) -> Notifier:
    return Notifier(planner(), ledger, None)  # type: ignore[arg-type]  # claim never delivers


def _count(outcome: str, channel: str) -> float:
    labels = {"channel": channel, "outcome": outcome}
    return REGISTRY.get_sample_value("notifier_deliveries_total", labels) or 0.0


async def test_a_night_p1_is_held_until_morning_and_counted() -> None:
    """The P1's pager, webhook and chat rows are claimed as held until 07:00; e-mail goes now."""
    ledger = HoldingLedger()
    notifier = _notifier(ledger)
    before = _count("held_quiet_hours", "pagerduty")
    payload = EscalationAssigned(escalation=summary(tier=Tier.P1), owner="ana", team="desk")
    claimed = await notifier.claim(notifier.prepare([Record(event(payload, at=NIGHT))]))
    ana_now = [a.message.channel for a in claimed.attempts if a.message.recipient == "ana"]
    assert ["email"] == ana_now
    assert {("pagerduty", MORNING), ("webhook", MORNING), ("slack", MORNING),
            ("teams", MORNING)} == {(m.channel, at) for m, _, at in ledger.held}  # fmt: skip
    assert 1.0 == _count("held_quiet_hours", "pagerduty") - before


async def test_an_acknowledgement_drops_the_held_rows_with_when_and_by_whom() -> None:
    """The close records why the held rows are no longer needed, and counts them."""
    ledger = HoldingLedger()
    notifier = _notifier(ledger)
    opened = EscalationAssigned(escalation=summary(tier=Tier.P1), owner="ana", team="desk")
    await notifier.claim(notifier.prepare([Record(event(opened, at=NIGHT))]))
    before = _count("not_needed", "webhook")
    at = NIGHT + timedelta(minutes=20)
    acked = EscalationAcknowledged(escalation=summary(tier=Tier.P1), by="ana")
    resolved = EscalationResolved(
        escalation=summary(tier=Tier.P1), by="lee", resolution=Resolution.ACTIONED
    )
    records = [Record(event(acked, at=at)), Record(event(resolved, at=at + timedelta(minutes=1)))]
    await notifier.claim(notifier.prepare(records))
    reason = "no longer needed: acknowledged at 2026-11-25T23:50:00+00:00 by ana"
    assert [{ESCALATION_ID: reason}] == ledger.drops
    assert 1.0 == _count("not_needed", "webhook") - before


async def test_a_batch_without_a_close_drops_nothing() -> None:
    """Only acknowledgements and resolutions drop held messages."""
    ledger = HoldingLedger()
    notifier = _notifier(ledger)
    payload: Any = EscalationAssigned(escalation=summary(tier=Tier.P2), owner="ana", team="desk")
    await notifier.claim(notifier.prepare([Record(event(payload, at=NIGHT))]))
    assert [] == ledger.drops


@pytest.mark.parametrize(
    ("tier", "held"), [(Tier.P0, []), (Tier.P1, ["pagerduty", "slack", "teams", "webhook"])]
)
def test_a_tier_rise_to_p0_is_never_held(tier: Tier, held: list[str]) -> None:
    """At night a rise to P0 pages at once; a rise to P1 is held like any P1."""
    raised = TierRaised(
        escalation=summary(tier=tier), previous_tier=Tier.P2, tier=tier, score=90,
        cause=RiseCause.REGULATORY_CLOCK, detail="2 h left on the regulatory clock", level=1,
        targets=("ana",), deadlines=summary().deadlines, raised_at=NIGHT,
    )  # fmt: skip
    plan = planner().plan(event(raised, at=NIGHT), raised)
    assert held == sorted(h.message.channel for h in plan.held if h.message.recipient == "ana")
    assert (tier == Tier.P0) == ("pagerduty" in [m.channel for m in plan.messages])

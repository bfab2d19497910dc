"""Handoff packets, digests, reminders and digest timing: the pure parts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from escalations.contracts.events import Status
from escalations.core.escalation import Tier
from escalations.core.handoffs import Handoff
from escalations.core.packets import Item, Note, digest, handoff_packet, packet_item
from escalations_router.domain.digests import digest_due
from escalations_router.domain.records import Escalation
from escalations_router.domain.reminders import Sent, due_reminder

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _item(esc_id: str, tier: str = "P2", **changes: object) -> Item:
    values: dict[str, object] = {
        "id": esc_id, "title": f"Report {esc_id}", "tier": tier, "status": "assigned",
        "source": "web", "owner": "ann", "sensitive": False, "created_at": T0 - 5 * HOUR,
        "acknowledge_by": None, "resolve_by": None, "regulatory_deadline": None,
        "acknowledged_at": None, "resolved_at": None,
    }  # fmt: skip
    values.update(changes)
    return Item(**values)  # type: ignore[arg-type]


def test_packet_orders_by_tier_then_nearest_deadline_and_caps() -> None:
    """Most urgent first; the cap keeps the count of all; unacknowledged counted over all."""
    items = [
        _item("a", "P2", resolve_by=T0 + HOUR),
        _item("b", "P0", resolve_by=T0 + 5 * HOUR),
        _item("c", "P0", resolve_by=T0 + 2 * HOUR, acknowledged_at=T0 - HOUR),
        _item("d", "P1"),
    ]
    packet = handoff_packet(Handoff("t", T0, ("ann",), ("bob",)), T0 + 8 * HOUR, items, [], limit=3)
    assert ["c", "b", "d"] == [i.id for i in packet.open]
    assert (4, 3) == (packet.open_total, packet.unacknowledged)
    assert [T0 + 2 * HOUR, T0 + 5 * HOUR, None] == [i.due_in_shift for i in packet.open]


def test_due_in_shift_is_the_first_deadline_inside_the_shift() -> None:
    """A deadline before the shift or at its end is not in it; an acknowledged one is met."""
    item = _item("a", acknowledge_by=T0 - HOUR, resolve_by=T0 + 3 * HOUR)
    assert T0 + 3 * HOUR == packet_item(item, T0, T0 + 4 * HOUR).due_in_shift
    assert packet_item(item, T0, T0 + 3 * HOUR).due_in_shift is None
    met = _item("b", acknowledge_by=T0 + HOUR, acknowledged_at=T0 - HOUR)
    assert packet_item(met, T0, None).due_in_shift is None


def test_sensitive_titles_lose_their_urls_and_hostile_text_stays_data() -> None:
    """URLs in a sensitive title read [url]; markup and control characters are kept as text."""
    hostile = "<script>alert(1)</script>\x07 see https://evil.example/x?a=<b> and www.x.io"
    sensitive = packet_item(_item("a", title=hostile, sensitive=True))
    assert "<script>alert(1)</script>\x07 see [url] and [url]" == sensitive.title
    assert hostile == packet_item(_item("b", title=hostile)).title
    dumped = sensitive.model_dump(mode="json")
    assert {"description", "content_refs"}.isdisjoint(dumped)


def test_notes_come_in_time_order_and_huge_ones_are_cut() -> None:
    """Notes are sorted by instant; a note longer than the contract allows is cut to it."""
    notes = [
        Note("2", "ann", "x" * 20_000, T0 - HOUR),
        Note("1", "ann", "<b>first</b>\u202e", T0 - 2 * HOUR),
        Note("3", "ann", "   ", T0 - HOUR),
    ]
    packet = handoff_packet(Handoff("t", T0, ("ann",), ("bob",)), None, [], notes)
    assert ["1", "2"] == [n.id for n in packet.notes]
    assert ("<b>first</b>\u202e", 5000) == (packet.notes[0].text, len(packet.notes[1].text))


def test_digest_counts_the_day_by_tier_and_source() -> None:
    """Received, in time, breaches and resolved by tier; sources by count; oldest open."""
    start, end = T0 - 24 * HOUR, T0
    items = [
        _item("a", "P1", created_at=start + HOUR, acknowledge_by=start + 2 * HOUR,
              acknowledged_at=start + HOUR, resolve_by=start + 5 * HOUR,
              resolved_at=start + 6 * HOUR, status="resolved", source="api"),
        _item("b", "P1", created_at=start + HOUR, acknowledge_by=start + 2 * HOUR,
              source="api"),
        _item("c", "P3", created_at=start - 48 * HOUR, source="web"),
    ]  # fmt: skip
    found = digest("t", "lead", date(2026, 3, 2), "Europe/Dublin", start, end, items)
    p1 = next(t for t in found.tiers if t.tier is Tier.P1)
    assert (2, 1, 1, 1, 1) == (
        p1.received, p1.acknowledged_in_time, p1.acknowledge_breaches,
        p1.resolve_breaches, p1.resolved,
    )  # fmt: skip
    assert (2, 2) == (found.received, found.open_now)
    assert [("api", 2)] == [(s.source, s.received) for s in found.sources]
    assert ["c", "b"] == [i.id for i in found.oldest_open]


def test_digest_is_due_at_the_lead_local_time_for_the_rest_of_that_day() -> None:
    """08:00 Dublin in summer is 07:00 UTC; due until local midnight, not the next day."""
    assert digest_due("Europe/Dublin", "08:00", datetime(2026, 7, 1, 6, 59, tzinfo=UTC)) is None
    slot = digest_due("Europe/Dublin", "08:00", datetime(2026, 7, 1, 22, 59, tzinfo=UTC))
    assert slot is not None
    assert (date(2026, 7, 1), datetime(2026, 7, 1, 7, tzinfo=UTC)) == (slot.day, slot.end)
    assert slot.end - slot.start == timedelta(hours=24)
    # 23:00 UTC is already 2 July in Dublin, before 08:00: today's is not due yet.
    assert digest_due("Europe/Dublin", "08:00", datetime(2026, 7, 1, 23, tzinfo=UTC)) is None


def _row(**changes: object) -> Escalation:
    row = Escalation(
        id="e1", source="web", source_kind="internal_tool", status="assigned", title="T",
        policy_area="harassment", tier="P1", score=50,
        request={"title": "T", "policy_area": "harassment", "description": None,
                 "region": None, "language": None, "content_refs": []},
        priority={}, received_at=T0, created_at=T0, updated_at=T0, owner="ann", team="t",
    )  # fmt: skip
    for name, value in changes.items():
        setattr(row, name, value)
    return row


def _due(row: Escalation, last: datetime | None, sent: Sent | None, now: datetime) -> int | None:
    due = due_reminder(
        row, last, sent, interval=timedelta(minutes=30), tiers=(Tier.P0, Tier.P1), now=now
    )
    return None if due is None else due.round


def test_reminder_once_per_interval_from_creation_or_last_update() -> None:
    """Round n at anchor + n intervals; an update re-anchors; an outage sends the latest only."""
    half = timedelta(minutes=30)
    assert _due(_row(), None, None, T0 + half - timedelta(seconds=1)) is None
    assert 1 == _due(_row(), None, None, T0 + half)
    assert _due(_row(), None, Sent(T0, 1), T0 + half + timedelta(minutes=5)) is None
    assert 3 == _due(_row(), None, Sent(T0, 1), T0 + 3 * half)
    updated = T0 + 2 * half
    assert _due(_row(), updated, Sent(T0, 1), updated + timedelta(minutes=29)) is None
    assert 1 == _due(_row(), updated, Sent(T0, 1), updated + half)


def test_no_reminder_when_resolved_unowned_or_not_a_reminded_tier() -> None:
    """Resolve stops it; no owner, no reminder; a P2 is not reminded."""
    later = T0 + timedelta(hours=2)
    assert _due(_row(status=Status.RESOLVED.value), None, None, later) is None
    assert _due(_row(owner=None), None, None, later) is None
    assert _due(_row(tier="P2"), None, None, later) is None
    assert 4 == _due(_row(status="acknowledged"), None, None, later)

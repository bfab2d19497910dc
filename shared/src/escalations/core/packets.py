"""Handoff packets and leads' digests from plain rows. Pure, no I/O.

A packet lists a team's open escalations most urgent first (tier, then the nearest
deadline), with what falls due in the incoming shift, and the notes the outgoing people
left; a digest counts a team's day by tier and source. Items carry no description, content
id or content URL, and the titles of sensitive escalations have their URLs masked: both go
to chat and e-mail (docs/contract/events.md, "Stakeholders").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from escalations.contracts.events import Deadlines, Status
from escalations.contracts.stakeholders import (
    HandoffNote,
    PacketItem,
    ShiftHandoff,
    SourceCount,
    TeamDigest,
    TierFigures,
)
from escalations.core.escalation import Tier
from escalations.core.handoffs import Handoff
from escalations.core.urls import mask_urls

PACKET_ITEMS = 50
OLDEST_OPEN = 5
NOTE_LIMIT = 5000  # ``HandoffNote.text``'s bound


@dataclass(frozen=True, slots=True)
class Item:
    """An escalation as packets and digests see it (a few columns of ``escalations``)."""

    id: str
    title: str
    tier: str
    status: str
    source: str
    owner: str | None
    sensitive: bool
    created_at: datetime
    acknowledge_by: datetime | None = None
    resolve_by: datetime | None = None
    regulatory_deadline: datetime | None = None
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Note:
    """A row of ``handoff_notes``."""

    id: str
    by: str
    text: str
    at: datetime


def deadlines_ahead(item: Item) -> list[datetime]:
    """Return the deadlines still to meet: acknowledge (until acknowledged), resolve, regulatory."""
    ack = item.acknowledge_by if item.acknowledged_at is None else None
    return [d for d in (ack, item.resolve_by, item.regulatory_deadline) if d is not None]


def urgency(item: Item) -> tuple[int, datetime, datetime, str]:
    """Return the sort key of an open item: tier, then nearest deadline, then age, then id."""
    nearest = min(
        deadlines_ahead(item), default=datetime.max.replace(tzinfo=item.created_at.tzinfo)
    )
    return Tier(item.tier).rank, nearest, item.created_at, item.id


def packet_item(
    item: Item, start: datetime | None = None, end: datetime | None = None
) -> PacketItem:
    """Return the packet view of an item; ``due_in_shift`` is its first deadline in [start, end)."""
    due = None
    if start is not None:
        due = min(
            (d for d in deadlines_ahead(item) if d >= start and (end is None or d < end)),
            default=None,
        )
    return PacketItem(
        id=item.id,
        title=mask_urls(item.title) if item.sensitive else item.title,
        tier=Tier(item.tier),
        status=Status(item.status),
        owner=item.owner,
        sensitive=item.sensitive,
        created_at=item.created_at,
        deadlines=Deadlines(
            acknowledge_by=item.acknowledge_by,
            resolve_by=item.resolve_by,
            regulatory_deadline=item.regulatory_deadline,
        ),
        due_in_shift=due,
    )


def handoff_packet(
    handoff: Handoff,
    shift_end: datetime | None,
    open_items: Sequence[Item],
    notes: Sequence[Note],
    *,
    limit: int = PACKET_ITEMS,
) -> ShiftHandoff:
    """Return the ``shift.handoff`` payload: the open items (capped), counts and notes."""
    ranked = sorted(open_items, key=urgency)
    return ShiftHandoff(
        handoff_id=handoff.id,
        team=handoff.team,
        at=handoff.at,
        outgoing=handoff.outgoing,
        incoming=handoff.incoming,
        shift_end=shift_end,
        open=tuple(packet_item(i, handoff.at, shift_end) for i in ranked[:limit]),
        open_total=len(ranked),
        unacknowledged=sum(1 for i in ranked if i.acknowledged_at is None),
        notes=tuple(
            HandoffNote(id=n.id, by=n.by, text=n.text[:NOTE_LIMIT], at=n.at)
            for n in sorted(notes, key=lambda n: (n.at, n.id))
            if n.text.strip()
        ),
    )


def _within(instant: datetime | None, start: datetime, end: datetime) -> bool:
    return instant is not None and start <= instant < end


def _late(done: datetime | None, due: datetime) -> bool:
    """Return whether a deadline was missed: not met, or met after it."""
    return done is None or done > due


def _ack_in_time(item: Item) -> bool:
    done, due = item.acknowledged_at, item.acknowledge_by
    return done is not None and (due is None or done <= due)


def tier_figures(tier: Tier, items: Sequence[Item], start: datetime, end: datetime) -> TierFigures:
    """Return one tier's figures over [start, end) (see ``digest``)."""
    mine = [i for i in items if i.tier == tier.value]
    return TierFigures(
        tier=tier,
        received=sum(_within(i.created_at, start, end) for i in mine),
        acknowledged_in_time=sum(
            _within(i.acknowledged_at, start, end) and _ack_in_time(i) for i in mine
        ),
        acknowledge_breaches=sum(
            i.acknowledge_by is not None
            and _within(i.acknowledge_by, start, end)
            and _late(i.acknowledged_at, i.acknowledge_by)
            for i in mine
        ),
        resolve_breaches=sum(
            i.resolve_by is not None
            and _within(i.resolve_by, start, end)
            and _late(i.resolved_at, i.resolve_by)
            for i in mine
        ),
        resolved=sum(_within(i.resolved_at, start, end) for i in mine),
    )


def digest(
    team: str,
    lead: str,
    day: date,
    timezone: str,
    start: datetime,
    end: datetime,
    items: Sequence[Item],
) -> TeamDigest:
    """Return a lead's ``team.digest`` over [start, end) from the team's escalations.

    ``items`` are the team's escalations that were open at some point of the period
    (the adapter selects those still open and those created or resolved since ``start``).
    A tier's received count those created in the period; acknowledged in time, those
    acknowledged in it by their deadline; a breach, a deadline in the period that was
    missed (not met by then, or met late); resolved, those resolved in it.
    """
    received = [i for i in items if _within(i.created_at, start, end)]
    sources = Counter(i.source for i in received)
    still_open = [i for i in items if i.resolved_at is None and i.created_at < end]
    oldest = sorted(still_open, key=lambda i: (i.created_at, i.id))[:OLDEST_OPEN]
    return TeamDigest(
        team=team,
        lead=lead,
        day=day,
        timezone=timezone,
        period_start=start,
        period_end=end,
        received=len(received),
        open_now=len(still_open),
        tiers=tuple(tier_figures(t, items, start, end) for t in Tier),
        sources=tuple(
            SourceCount(source=s, received=n)
            for s, n in sorted(sources.items(), key=lambda kv: (-kv[1], kv[0]))
        ),
        oldest_open=tuple(packet_item(i) for i in oldest),
    )

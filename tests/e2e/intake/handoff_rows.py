"""Shift handoff rows stored as the router stores them (``shift_handoffs``, docs/router.md).

Only these tests write a team's handoffs in the session's Postgres, so ``replace`` clears the
team's rows first and the newest stored is the newest a test made.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from escalations.contracts.stakeholders import HandoffNote, PacketItem, ShiftHandoff
from escalations.db.models_handoffs import ShiftHandoffRow
from tests.e2e.intake.rows import insert
from tests.support import query

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>\x07\x1b[31m'


def item(title: str, tier: str = "P1", **changes: Any) -> PacketItem:
    """Return an open escalation of a packet (its id a fresh one unless given)."""
    now = datetime.now(UTC)
    fields: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "title": title,
        "tier": tier,
        "status": "assigned",
        "owner": "ciaran",
        "created_at": now - timedelta(hours=2),
        "deadlines": {
            "acknowledge_by": now + timedelta(minutes=20),
            "resolve_by": now + timedelta(hours=4),
        },
        **changes,
    }
    return PacketItem.model_validate(fields)


def note(text: str, by: str = "ciaran") -> HandoffNote:
    """Return a note carried by a packet."""
    at = datetime.now(UTC) - timedelta(hours=3)
    return HandoffNote(id=str(uuid.uuid4()), by=by, text=text, at=at)


def handoff(
    team: str,
    at: datetime,
    *,
    open_items: tuple[PacketItem, ...] = (),
    notes: tuple[HandoffNote, ...] = (),
    outgoing: tuple[str, ...] = ("ciaran",),
    incoming: tuple[str, ...] = ("niamh",),
) -> ShiftHandoffRow:
    """Return a handoff row of ``team`` at ``at`` whose packet is as the router makes it."""
    packet = ShiftHandoff(
        handoff_id=str(uuid.uuid4()),
        team=team,
        at=at,
        outgoing=outgoing,
        incoming=incoming,
        shift_end=at + timedelta(hours=8),
        open=open_items,
        open_total=len(open_items),
        unacknowledged=sum(1 for i in open_items if i.status.value == "assigned"),
        notes=notes,
    )
    return ShiftHandoffRow(
        id=packet.handoff_id,
        team=team,
        at=at,
        outgoing=list(outgoing),
        incoming=list(incoming),
        packet=packet.model_dump(mode="json"),
        created_at=datetime.now(UTC),
    )


def replace(database_url: str, team: str, *rows: ShiftHandoffRow) -> None:
    """Store ``rows`` as the team's only handoffs."""
    asyncio.run(query(database_url, "DELETE FROM shift_handoffs WHERE team = $1", team))
    insert(database_url, *rows)

"""Update reminders: whether an escalation's owner is due a reminder to post an update. No I/O.

An open escalation of a reminded tier (``stakeholders.update_tiers``) with an owner is due
one reminder per ``stakeholders.update_interval`` without a status update, counted from its
anchor: the later of its creation and its last update. Round ``n`` falls due at
``anchor + n * interval``; the last round sent is kept per escalation (``update_reminders``)
with the anchor it counted from, so a new update (a later anchor) starts again at round 1,
and after an outage only the latest round due is sent (docs/router.md, "Stakeholders:
reminders, handoffs, digests"). Resolved, unowned or no longer reminded: nothing is due.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from escalations.contracts.events import Status
from escalations.contracts.stakeholders import UpdateDue
from escalations.core.escalation import Tier
from escalations_router.domain.records import Escalation
from escalations_router.domain.views import summary


@dataclass(frozen=True, slots=True)
class Sent:
    """The last reminder sent for an escalation: the anchor it counted from, and its round."""

    anchor: datetime
    round: int


def anchor_of(row: Escalation, last_update_at: datetime | None) -> datetime:
    """Return the instant an escalation's update interval counts from."""
    if last_update_at is None:
        return row.created_at
    return max(row.created_at, last_update_at)


def due_reminder(
    row: Escalation,
    last_update_at: datetime | None,
    sent: Sent | None,
    *,
    interval: timedelta,
    tiers: Collection[Tier],
    now: datetime,
) -> UpdateDue | None:
    """Return the reminder due by ``now``, or None if none is (or it was sent already)."""
    if row.status == Status.RESOLVED or row.owner is None or Tier(row.tier) not in tiers:
        return None
    anchor = anchor_of(row, last_update_at)
    rounds = (now - anchor) // interval
    done = sent.round if sent is not None and sent.anchor == anchor else 0
    if rounds < 1 or rounds <= done:
        return None
    return UpdateDue(
        escalation=summary(row),
        owner=row.owner,
        last_update_at=last_update_at,
        interval_seconds=max(1, round(interval.total_seconds())),
        due_at=anchor + rounds * interval,
        round=rounds,
    )

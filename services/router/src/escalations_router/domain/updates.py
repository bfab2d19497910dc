"""A status update posted on an escalation: stored with it, announced by an event. No I/O.

A known person posts an update for an audience on an escalation that is not resolved
(docs/contract/http-api.md, "Status updates"): the router stores it (``escalation_updates``),
writes one history entry whose reason is the audience (never the text, which is in the
update itself) and emits ``escalation.update_posted`` for whoever delivers updates
(docs/contract/events.md). Anything else is recorded as ``update_rejected``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from escalations.contracts.events import Status
from escalations.contracts.updates import UpdatePosted, UpdateRequested
from escalations_router.domain.decider import Decider
from escalations_router.domain.outcome import Change, Outcome
from escalations_router.domain.records import Escalation
from escalations_router.domain.state import is_system_actor
from escalations_router.domain.views import summary

POSTED = "update_posted"
# Update ids are derived from the command's event id: a replayed command (its effects
# rolled back with a failed transaction) gets the same id (docs/router.md, "Updates").
_NAMESPACE = uuid.UUID("5b0e3f4e-9a0c-4a57-8d6e-7f2f3c1d9e21")


def update_id(event_id: str) -> str:
    """Return the id of the update a command (by its event id) posts."""
    return str(uuid.uuid5(_NAMESPACE, event_id))


def on_update(
    row: Escalation, cmd: UpdateRequested, decider: Decider, now: datetime, new_id: str
) -> Outcome:
    """Post an update on an open or acknowledged escalation, or record why not.

    The escalation's status, owner and clocks stay; its version moves, so readers that
    watch it (the console's live block) see the new update.
    """
    status = Status(row.status)
    reason = _refusal(row, cmd, decider)
    if reason is not None:
        return Outcome(row, [Change("update_rejected", cmd.by, status, status, reason)])
    row.updated_at = now
    row.version += 1
    posted = UpdatePosted(
        escalation=summary(row),
        update_id=new_id,
        audience=cmd.audience,
        text=cmd.text,
        by=cmd.by,
        at=now,
    )
    change = Change(POSTED, cmd.by, status, status, cmd.audience.value)
    return Outcome(row, [change], [posted])


def stored(posted: UpdatePosted) -> dict[str, Any]:
    """Return the ``escalation_updates`` row of a posted update."""
    return {
        "id": posted.update_id,
        "escalation_id": posted.escalation.id,
        "audience": posted.audience.value,
        "text": posted.text,
        "by": posted.by,
        "at": posted.at,
    }


def _refusal(row: Escalation, cmd: UpdateRequested, decider: Decider) -> str | None:
    if row.status == Status.RESOLVED:
        return "escalation is already resolved"
    if is_system_actor(cmd.by):
        return "an update is a person's; an integration cannot post one"
    if not decider.knows_person(cmd.by):
        return f"unknown person '{cmd.by}'"
    return None

"""Write the stakeholder job's events to the outbox, keyed by their subject.

A handoff's or a digest's subject, and its Kafka key, is the team id: all of a team's
messages keep their order on one partition, as an escalation's do under its id. A
reminder's is its escalation's id (docs/contract/events.md, "Stakeholders").
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from escalations.contracts.fast import new_event_id, raw_envelope
from escalations.contracts.registry import EVENT_TYPE_OF, EVENT_TYPES
from escalations_router.postgres.db import Connection
from escalations_router.postgres.writes import SOURCE, Writes


def enqueue(writes: Writes, subject: str, payload: BaseModel, now: datetime) -> str:
    """Put one event about ``subject`` (its key too) in ``writes``' outbox; return its id."""
    event_type = EVENT_TYPE_OF[type(payload)]
    event_id = new_event_id()
    body = raw_envelope(
        event_type,
        event_id=event_id,
        source=SOURCE,
        subject=subject,
        time=now,
        data=payload.model_dump(mode="json"),
    )
    writes.enqueue(EVENT_TYPES[event_type][0], subject, event_id, body, now)
    return event_id


async def flush(connection: Connection, writes: Writes) -> None:
    """Write the collected outbox rows in the caller's transaction."""
    if writes.outbox:
        await writes.flush(connection)

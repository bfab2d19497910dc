"""The schedule commands: add or cancel an override or time off, published for the router.

The router is the single writer of ``schedule_overrides`` and ``time_off``; each command is
keyed by the team (overrides) or the person (time off), so a cancel queues behind its add.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from escalations.contracts.events import OverrideRequested, TimeOffRequested
from escalations.db.models import OverrideRow, TimeOffRow
from escalations_intake.commands.publish import Publisher


class ScheduleAccepted(BaseModel):
    """The command is on its way to the router, which stores it."""

    id: str = Field(description="Id of the override or time off")
    team: str | None = Field(None, description="The team (overrides)")
    person: str = Field(description="Who covers, or who is away")
    start: datetime = Field(description="Start of the window")
    end: datetime = Field(description="End of the window")


class CancelAccepted(BaseModel):
    """The cancel is on its way to the router, which applies it."""

    id: str = Field(description="Id of the override or time off being cancelled")
    team: str | None = Field(None, description="The team (overrides)")
    person: str = Field(description="Who covers, or who is away")
    start: datetime = Field(description="Start of the window")
    end: datetime = Field(description="End of the window (a running one ends now)")
    status: str = Field("cancel_requested", description="Always `cancel_requested`")


async def add_override(
    publisher: Publisher,
    source: str,
    team: str,
    window: tuple[str, datetime, datetime],
    event_id: str | None,
) -> ScheduleAccepted:
    """Publish that ``window`` = (person, start, end) covers the team's primary rotation."""
    person, start, end = window
    override_id = str(uuid.uuid4())
    payload = OverrideRequested(
        override_id=override_id,
        team=team,
        person=person,
        start=start,
        end=end,
        source=source,
        requested_at=datetime.now(UTC),
    )
    await publisher.publish(payload, team, event_id)
    return ScheduleAccepted(id=override_id, team=team, person=person, start=start, end=end)


async def add_time_off(
    publisher: Publisher,
    source: str,
    window: tuple[str, datetime, datetime],
    reason: str | None,
    event_id: str | None,
) -> ScheduleAccepted:
    """Publish that the person of ``window`` = (person, start, end) is away then."""
    person, start, end = window
    time_off_id = str(uuid.uuid4())
    payload = TimeOffRequested(
        time_off_id=time_off_id,
        person=person,
        start=start,
        end=end,
        reason=reason,
        source=source,
        requested_at=datetime.now(UTC),
    )
    await publisher.publish(payload, person, event_id)
    return ScheduleAccepted(id=time_off_id, person=person, start=start, end=end)


async def cancel(
    publisher: Publisher,
    command: BaseModel,
    key: str,
    row: OverrideRow | TimeOffRow,
    event_id: str | None,
) -> CancelAccepted:
    """Publish a cancel command keyed like the add it withdraws; answer like creation."""
    await publisher.publish(command, key, event_id)
    return accepted(row)


def accepted(row: OverrideRow | TimeOffRow) -> CancelAccepted:
    """Return the answer to a cancel of ``row``."""
    team = row.team if isinstance(row, OverrideRow) else None
    return CancelAccepted(
        id=row.id, team=team, person=row.person, start=row.start_at, end=row.end_at
    )

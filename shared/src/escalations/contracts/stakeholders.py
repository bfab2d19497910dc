"""Router events for the people around an escalation (docs/contract/events.md, "Stakeholders").

* ``escalation.unassigned``: a new escalation found nobody on duty (the requester still hears
  it was received; subscribers hear it too).
* ``escalation.update_due``: an open escalation of a reminded tier has had no update for the
  configured interval; its owner is reminded, once per interval.
* ``shift.handoff``: a team's on-call people changed (rotation, override edge, holiday
  layer); carries the packet the incoming people get and the outgoing people's summary.
* ``team.digest``: a lead's daily figures for a team.

Packets carry no description, content id or content URL, and titles of sensitive escalations
with URLs masked (docs/contract/access.md, "Redaction"): they go to chat and e-mail.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from escalations.contracts.events import Deadlines, EscalationSummary, PersonId, Status
from escalations.core.escalation import Tier

_STRICT = ConfigDict(frozen=True, extra="forbid")
Count = Annotated[int, Field(ge=0)]


class EscalationUnassigned(BaseModel):
    """A new escalation found nobody on duty: it waits, unowned, for a lead."""

    model_config = _STRICT

    escalation: EscalationSummary
    reason: Annotated[str, Field(max_length=500)]


class UpdateDue(BaseModel):
    """No update for ``interval_seconds``: the owner is reminded (``round`` counts reminders)."""

    model_config = _STRICT

    escalation: EscalationSummary
    owner: PersonId
    last_update_at: datetime | None = None
    interval_seconds: Annotated[int, Field(gt=0)]
    due_at: datetime
    round: Annotated[int, Field(ge=1)] = 1


class PacketItem(BaseModel):
    """One open escalation in a handoff packet or digest: enough to act, nothing sensitive."""

    model_config = _STRICT

    id: str
    title: str
    tier: Tier
    status: Status
    owner: str | None = None
    sensitive: bool = False
    created_at: datetime
    deadlines: Deadlines = Deadlines()
    # The earliest deadline that falls within the incoming shift, if any.
    due_in_shift: datetime | None = None


class HandoffNote(BaseModel):
    """A note an outgoing person left for the next shift."""

    model_config = _STRICT

    id: str
    by: PersonId
    text: Annotated[str, Field(min_length=1, max_length=5000)]
    at: datetime


class ShiftHandoff(BaseModel):
    """A team's on-call people changed at ``at``; sent once per team and instant."""

    model_config = _STRICT

    handoff_id: str
    team: str
    at: datetime
    outgoing: tuple[PersonId, ...]
    incoming: tuple[PersonId, ...]
    # When the incoming shift ends (the team's next handoff), if known within a week.
    shift_end: datetime | None = None
    # Open escalations, most urgent first; ``unacknowledged`` counts those not yet taken.
    open: tuple[PacketItem, ...] = ()
    open_total: Count = 0
    unacknowledged: Count = 0
    notes: tuple[HandoffNote, ...] = ()


class TierFigures(BaseModel):
    """One tier's figures over the digest's day."""

    model_config = _STRICT

    tier: Tier
    received: Count = 0
    acknowledged_in_time: Count = 0
    acknowledge_breaches: Count = 0
    resolve_breaches: Count = 0
    resolved: Count = 0


class SourceCount(BaseModel):
    """How many escalations one source raised over the digest's day."""

    model_config = _STRICT

    source: str
    received: Count


class TeamDigest(BaseModel):
    """A lead's daily digest of one team over ``[period_start, period_end)``."""

    model_config = _STRICT

    team: str
    lead: PersonId
    day: date
    timezone: str
    period_start: datetime
    period_end: datetime
    received: Count = 0
    open_now: Count = 0
    tiers: tuple[TierFigures, ...] = ()
    sources: tuple[SourceCount, ...] = ()
    oldest_open: tuple[PacketItem, ...] = ()

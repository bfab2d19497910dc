"""Commands that cancel a schedule change (topic ``escalations.intake.v1``).

A cancel is keyed like the command that created the change (the team for an override, the
person for time off), so both land on one partition and the router applies them in order.
The router applies a cancel once: cancelling what is already gone changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from escalations.contracts.events import PersonId

_STRICT = ConfigDict(frozen=True, extra="forbid")
Reason = Annotated[str, Field(max_length=500)]


class OverrideCancelRequested(BaseModel):
    """Someone asked that a team's override be withdrawn."""

    model_config = _STRICT

    override_id: str
    team: str
    reason: Reason | None = None
    source: str
    requested_at: datetime


class TimeOffCancelRequested(BaseModel):
    """Someone asked that a person's time off be withdrawn."""

    model_config = _STRICT

    time_off_id: str
    person: PersonId
    reason: Reason | None = None
    source: str
    requested_at: datetime

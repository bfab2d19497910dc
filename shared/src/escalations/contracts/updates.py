"""Status updates on an escalation: the command and the event (docs/contract/events.md).

The owner, or anyone who may act on the escalation, posts an update for an audience; the
router stores it with the escalation and announces it with ``escalation.update_posted``,
which carries what a notifier needs to deliver it later (the escalation's summary, the
audience, the text, who and when).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from escalations.contracts.events import EscalationSummary, PersonId
from escalations.core.escalation import no_nul

_STRICT = ConfigDict(frozen=True, extra="forbid")
UPDATE_TEXT_MAX = 5000
UpdateText = Annotated[str, Field(min_length=1, max_length=UPDATE_TEXT_MAX), AfterValidator(no_nul)]


class Audience(StrEnum):
    """Who an update is for: the owning team (a note), stakeholders, or the requester."""

    TEAM = "team"
    STAKEHOLDERS = "stakeholders"
    REQUESTER = "requester"


class UpdateRequested(BaseModel):
    """A person asked to post an update on an escalation (topic escalations.intake.v1)."""

    model_config = _STRICT

    escalation_id: str
    by: PersonId
    audience: Audience
    text: UpdateText
    source: str
    requested_at: datetime


class UpdatePosted(BaseModel):
    """An update was stored with the escalation (topic escalations.events.v1)."""

    model_config = _STRICT

    escalation: EscalationSummary
    update_id: str
    audience: Audience
    text: UpdateText
    by: PersonId
    at: datetime

"""Teams: who leads them, their schedule, their escalation policy and their chat channel."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from escalations.core.config_people import WebhookUrl
from escalations.core.config_schedule import Schedule
from escalations.core.config_types import FROZEN, HolidayCalendar, Identifier
from escalations.core.policy import EscalationPolicy


class TeamChat(BaseModel):
    """The team's own channel, told about every escalation the team receives."""

    model_config = FROZEN

    slack: WebhookUrl | None = None
    teams: WebhookUrl | None = None


class Team(BaseModel):
    """A team that owns escalations and has an on-call schedule."""

    model_config = FROZEN

    id: Identifier
    name: Annotated[str, Field(min_length=1, max_length=200)]
    lead: Identifier
    leads: tuple[Identifier, ...] = ()
    """More leads besides ``lead`` (docs/contract/access.md); they need not be on the schedule."""
    schedule: Schedule
    escalation_policy: EscalationPolicy = EscalationPolicy()
    chat: TeamChat = TeamChat()
    holidays: HolidayCalendar | None = None
    """The office's public-holiday calendar, used by layers that say ``holidays: team``."""

    def leaders(self) -> frozenset[str]:
        """Return everyone who leads the team: ``lead`` and the ``leads``."""
        return frozenset((self.lead, *self.leads))

    def members(self) -> frozenset[str]:
        """Return everyone who appears in any layer of the schedule."""
        return frozenset(person for layer in self.schedule.layers for person in layer.members)

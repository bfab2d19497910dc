"""The act commands (acknowledge, resolve, reassign): published for the router to apply.

The router is the single writer and decides whether the person may act; the intake only
checks that the escalation exists, publishes the command and answers ``202``.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field

from escalations_intake.commands.publish import Publisher
from escalations_intake.db import Sessions
from escalations_intake.db.escalations import escalation_exists
from escalations_intake.http.problems import Problem


class CommandAccepted(BaseModel):
    """A command is on its way to the router, which records the outcome in the history."""

    id: str = Field(description="The escalation id")
    command: str = Field(description="`acknowledge`, `resolve`, `reassign` or `update`")
    accepted: bool = Field(True, description="Always true: the broker has the command")


@dataclass(frozen=True, slots=True)
class RequestAction:
    """Publish a command about a stored escalation (404 if there is none) and answer it."""

    sessions: Sessions
    publisher: Publisher

    async def __call__(
        self, esc_id: str, payload: BaseModel, name: str, event_id: str | None
    ) -> CommandAccepted:
        """Publish ``payload`` keyed by the escalation; answer that the router will apply it."""
        if not await escalation_exists(self.sessions, esc_id):
            raise Problem(404, "Not found", f"no escalation with id '{esc_id}'")
        await self.publisher.publish(payload, esc_id, event_id)
        return CommandAccepted(id=esc_id, command=name)

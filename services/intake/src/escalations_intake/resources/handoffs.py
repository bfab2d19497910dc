"""A team's shift handoffs: the packets the incoming on-call people got, newest first.

At each handoff of a team's schedule the router sends a ``shift.handoff`` event and keeps
its packet (``shift_handoffs``, docs/router.md); this reads them back
(docs/contract/http-api.md, "Handoffs"). The access is that of the team's handoff notes
(``handoff_notes.write``): the people on its schedule, its leads and admins; a key needs
`escalations:read`. Packets carry no description, content id or content URL, and sensitive
titles with URLs masked (docs/contract/access.md, "Redaction").
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from escalations.contracts.stakeholders import ShiftHandoff
from escalations_intake.auth.guard import Reader
from escalations_intake.db import handoffs as store
from escalations_intake.http.deps import ConfigDep, SessionsDep
from escalations_intake.openapi.errors import READ_ERRORS, errors
from escalations_intake.resources.handoff_notes import known_team
from escalations_intake.resources.schedules import TeamId

router = APIRouter(prefix="/v1/teams/{team}/handoffs", tags=["stakeholders"])
DEFAULT_LIMIT = 10
MAX_LIMIT = 50


class Handoffs(BaseModel):
    """A team's latest handoffs, newest first."""

    team: str = Field(description="The team")
    handoffs: list[ShiftHandoff] = Field(
        description="Each handoff's packet as sent in its `shift.handoff` event, newest first"
    )


@router.get(
    "",
    response_model=Handoffs,
    responses=errors(*READ_ERRORS, 404),
    summary="Read a team's latest shift handoffs",
)
async def read_handoffs(
    team: TeamId,
    _: Reader,
    config: ConfigDep,
    sessions: SessionsDep,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="At most this many (1 to 50)")
    ] = DEFAULT_LIMIT,
) -> Handoffs:
    """The team's latest handoffs, newest first: each the packet the incoming people got.

    A packet names the handoff (`handoff_id`, `at`), who handed over to whom (`outgoing`,
    `incoming`), when the incoming shift ends (`shift_end`, when known), the team's open
    escalations most urgent first (`open`, with the earliest deadline that falls in the
    shift as `due_in_shift`), `open_total`, `unacknowledged` and the notes carried. For the
    people on the team's schedule, its leads and admins; a key needs `escalations:read`.
    """
    known_team(config, team)
    rows = await store.latest(sessions, team, limit)
    return Handoffs(team=team, handoffs=[ShiftHandoff.model_validate(r.packet) for r in rows])

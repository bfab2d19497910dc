"""Handoff notes: what the outgoing on-call person leaves for the next shift of a team.

The incoming person's handoff packet carries the notes left since the last handoff
(docs/contract/http-api.md, "Handoff notes"). A note is a person's: the people on the
team's schedule, its leads and admins leave and read them (``handoff_notes.write``). The
audit entry names who and which note, never the text.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from escalations.core.config import Config
from escalations.core.config_types import suggest
from escalations.core.escalation import NOT_BLANK_PATTERN, not_blank
from escalations.db.models_stakeholders import HandoffNoteRow
from escalations_intake.auth.guard import Actor, Reader
from escalations_intake.db import handoff_notes as store
from escalations_intake.http.audit import audit
from escalations_intake.http.deps import ConfigDep, SessionsDep
from escalations_intake.http.problems import Problem
from escalations_intake.openapi.errors import READ_ERRORS, WRITE_ERRORS, errors
from escalations_intake.openapi.examples import HANDOFF_NOTE_EXAMPLES
from escalations_intake.resources.audit import Instant
from escalations_intake.resources.schedules import TeamId

router = APIRouter(prefix="/v1/teams/{team}/handoff-notes", tags=["stakeholders"])
NOTE_MAX = 5000
SHOWN_BY_DEFAULT = timedelta(hours=24)
ONLY_PEOPLE = (
    "a handoff note is a person's: a source key acts as system:<source>; sign in or use a "
    "personal token"
)


class NoteBody(BaseModel):
    """What the outgoing person wants the next shift to know."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: Annotated[
        str,
        Field(
            min_length=1,
            max_length=NOTE_MAX,
            description="The note: 1 to 5000 characters, no NUL; leading and trailing white "
            "space is dropped, and blank text is refused",
            examples=["Legal is waiting on our answer to LEGAL-4411; Comms knows."],
            json_schema_extra={"pattern": NOT_BLANK_PATTERN},
        ),
        AfterValidator(not_blank),
    ]


class Note(BaseModel):
    """A handoff note."""

    id: str = Field(description="Note id")
    team: str = Field(description="The team whose next shift it is for")
    by: str = Field(description="Who left it")
    text: str = Field(description="The note, as written (plain text)")
    at: datetime = Field(description="When it was left")


class Notes(BaseModel):
    """A team's handoff notes, newest first."""

    team: str = Field(description="The team")
    notes: list[Note] = Field(description="Notes left since `since`, newest first")


def known_team(config: Config, team: str) -> None:
    """Raise 404 for a team the configuration lacks, suggesting a close one."""
    if team not in config.teams_by_id:
        hint = suggest(team, config.teams_by_id)
        raise Problem(404, "Not found", f"team: no team '{team}' in the configuration{hint}")


def _view(row: HandoffNoteRow) -> Note:
    return Note.model_validate(row, from_attributes=True)


@router.post(
    "",
    status_code=201,
    response_class=Response,
    responses={201: {"model": Note, "description": "The note"}, **errors(*WRITE_ERRORS, 404)},
    summary="Leave a handoff note",
)
async def leave_note(
    team: TeamId,
    body: Annotated[NoteBody, Body(openapi_examples=HANDOFF_NOTE_EXAMPLES)],
    principal: Actor,
    request: Request,
    config: ConfigDep,
    sessions: SessionsDep,
) -> Response:
    """Leave a note for the team's next shift: its handoff packet shows it.

    A person only (a source key is `403`): someone on the team's schedule, one of its
    leads, or an admin. Needs `escalations:act`. Audited as `team.handoff_note` (who and
    which note, never the text).
    """
    if principal.person is None:
        raise Problem(403, "Forbidden", ONLY_PEOPLE)
    known_team(config, team)
    row = await store.add(sessions, team, principal.person, body.text)
    detail = {"note": row.id, "by": row.by}
    await audit(request, principal, "team.handoff_note", "team", team, detail)
    return Response(_view(row).model_dump_json(), status_code=201, media_type="application/json")


@router.get(
    "",
    response_model=Notes,
    responses=errors(*READ_ERRORS, 404),
    summary="Read a team's handoff notes",
)
async def read_notes(
    team: TeamId,
    _: Reader,
    config: ConfigDep,
    sessions: SessionsDep,
    since: Annotated[
        Instant | None,
        Query(description="From this instant on (RFC 3339); default 24 hours ago"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="At most this many")] = 50,
) -> Notes:
    """The team's notes since `since`, newest first. For the people on the team's schedule,
    its leads and admins; a key needs `escalations:read`.
    """
    known_team(config, team)
    start = since if since is not None else datetime.now(UTC) - SHOWN_BY_DEFAULT
    rows = await store.recent(sessions, team, start, limit)
    return Notes(team=team, notes=[_view(row) for row in rows])

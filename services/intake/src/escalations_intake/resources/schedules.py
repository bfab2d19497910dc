"""Add schedule changes: overrides and time off, commands for the router to store."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Self

from fastapi import APIRouter, Path, Request, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from escalations.core.config import Config
from escalations.core.escalation import NUL_FREE, stripped
from escalations_intake.auth.guard import Scheduler
from escalations_intake.commands.schedule import CancelAccepted, ScheduleAccepted
from escalations_intake.commands.schedule import add_override as add_override_command
from escalations_intake.commands.schedule import add_time_off as add_time_off_command
from escalations_intake.http.audit import audited
from escalations_intake.http.bodies import Timestamp
from escalations_intake.http.deps import ConfigDep, IdempotencyDep, PublisherDep
from escalations_intake.http.idempotent import IdempotencyKey, accept, plain
from escalations_intake.http.problems import Problem
from escalations_intake.openapi.errors import WRITE_ERRORS, errors
from escalations_intake.resources.act import PersonId, known_person

router = APIRouter(prefix="/v1", tags=["schedules"])
# Checked as sent, like the escalation body (``escalations.core.escalation``).
_STRICT = ConfigDict(frozen=True, extra="forbid")
MAX_OVERRIDE = timedelta(days=90)
MAX_TIME_OFF = timedelta(days=366)
TeamId = Annotated[
    str, Path(min_length=1, max_length=64, description="A team id of the configuration")
]
PersonPath = Annotated[str, Path(min_length=1, max_length=64, description="A person id")]


class _Window(BaseModel):
    model_config = _STRICT

    start: Timestamp = Field(
        description="Start, with a time zone", examples=["2026-12-24T17:00:00Z"]
    )
    end: Timestamp = Field(
        description="End (exclusive), with a time zone, after start",
        examples=["2026-12-27T09:00:00Z"],
    )

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise ValueError("end: must be after start")
        return self


class OverrideBody(_Window):
    """A person covers the team's primary rotation in a window."""

    person: PersonId


class TimeOffBody(_Window):
    """A person is skipped by every rotation in a window."""

    reason: (
        Annotated[
            str,
            Field(max_length=500, description="Shown in the history"),
            NUL_FREE,
            AfterValidator(stripped),
        ]
        | None
    ) = None


def _check_window(body: _Window, longest: timedelta) -> None:
    if body.end <= datetime.now(UTC):
        raise Problem(422, "Invalid request", "end: must be in the future")
    if body.end - body.start > longest:
        raise Problem(422, "Invalid request", f"end: window longer than {longest.days} days")


def audit_subject(done: ScheduleAccepted | CancelAccepted) -> tuple[str, dict[str, object]]:
    """Return the audit subject id and detail of an added or cancelled schedule change."""
    return done.id, done.model_dump(include={"team", "person", "start", "end"}, mode="json")


def known_team(config: Config, team: str) -> None:
    """Raise 404 unless ``team`` is in the configuration."""
    if team not in config.teams_by_id:
        raise Problem(404, "Not found", f"team: no team '{team}' in the configuration")


@router.post(
    "/teams/{team}/overrides",
    status_code=202,
    response_model=ScheduleAccepted,
    responses=errors(*WRITE_ERRORS, 404),
    summary="Add an override",
)
async def add_override(
    team: TeamId,
    body: OverrideBody,
    principal: Scheduler,
    request: Request,
    config: ConfigDep,
    publisher: PublisherDep,
    store: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """`person` covers the team's primary rotation from `start` to `end`.

    Overrides win over every layer. Needs scope `schedules:write`.
    """
    known_team(config, team)
    known_person(config, body.person, "person")
    _check_window(body, MAX_OVERRIDE)
    window = (body.person, body.start, body.end)

    def run(event_id: str | None) -> Awaitable[ScheduleAccepted]:
        return add_override_command(publisher, principal.source, team, window, event_id)

    audited_run = audited(request, principal, "override.create", "override", run, audit_subject)
    return await accept(store, request, principal, idempotency_key, plain(body), audited_run)


@router.post(
    "/people/{person}/time-off",
    status_code=202,
    response_model=ScheduleAccepted,
    responses=errors(*WRITE_ERRORS, 404),
    summary="Add time off",
)
async def add_time_off(
    person: PersonPath,
    body: TimeOffBody,
    principal: Scheduler,
    request: Request,
    config: ConfigDep,
    publisher: PublisherDep,
    store: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """The person is skipped by every rotation from `start` to `end`; the next covers.

    Needs scope `schedules:write`.
    """
    if person not in config.people_by_id:
        raise Problem(404, "Not found", f"person: no person '{person}' in the configuration")
    _check_window(body, MAX_TIME_OFF)
    window = (person, body.start, body.end)

    def run(event_id: str | None) -> Awaitable[ScheduleAccepted]:
        return add_time_off_command(publisher, principal.source, window, body.reason, event_id)

    audited_run = audited(request, principal, "time_off.create", "time_off", run, audit_subject)
    return await accept(store, request, principal, idempotency_key, plain(body), audited_run)

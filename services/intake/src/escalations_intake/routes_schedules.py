"""Schedules: overrides and time off (commands for the router), and who is on call."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Self

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from escalations.contracts.events import OverrideRequested, TimeOffRequested
from escalations.core.config import Config
from escalations.core.escalation import NUL_FREE, stripped
from escalations.core.schedules import oncall
from escalations_intake.auth import Principal, Reader, Scheduler
from escalations_intake.bodies import Timestamp
from escalations_intake.handling import IdempotencyKey, accept, deps_of, plain, publish
from escalations_intake.openapi_docs import READ_ERRORS, WRITE_ERRORS, errors
from escalations_intake.problems import Problem
from escalations_intake.routes_act import PersonId, known_person
from escalations_intake.schedule_store import windows

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


class ScheduleAccepted(BaseModel):
    """The command is on its way to the router, which stores it."""

    id: str = Field(description="Id of the override or time off")
    team: str | None = Field(None, description="The team (overrides)")
    person: str = Field(description="Who covers, or who is away")
    start: datetime = Field(description="Start of the window")
    end: datetime = Field(description="End of the window")


def _check_window(body: _Window, longest: timedelta) -> None:
    if body.end <= datetime.now(UTC):
        raise Problem(422, "Invalid request", "end: must be in the future")
    if body.end - body.start > longest:
        raise Problem(422, "Invalid request", f"end: window longer than {longest.days} days")


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
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """`person` covers the team's primary rotation from `start` to `end`.

    Overrides win over every layer. Needs scope `schedules:write`.
    """
    deps = deps_of(request)
    config = deps.config.current()
    known_team(config, team)
    known_person(config, body.person, "person")
    _check_window(body, MAX_OVERRIDE)

    async def run(event_id: str | None) -> ScheduleAccepted:
        override_id = str(uuid.uuid4())
        payload = OverrideRequested(
            override_id=override_id,
            team=team,
            person=body.person,
            start=body.start,
            end=body.end,
            source=principal.source,
            requested_at=datetime.now(UTC),
        )
        await publish(deps, payload, team, event_id)
        return ScheduleAccepted(
            id=override_id, team=team, person=body.person, start=body.start, end=body.end
        )

    return await accept(request, principal, idempotency_key, plain(body), run)


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
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """The person is skipped by every rotation from `start` to `end`; the next covers.

    Needs scope `schedules:write`.
    """
    deps = deps_of(request)
    if person not in deps.config.current().people_by_id:
        raise Problem(404, "Not found", f"person: no person '{person}' in the configuration")
    _check_window(body, MAX_TIME_OFF)
    return await accept(
        request,
        principal,
        idempotency_key,
        plain(body),
        lambda e: _time_off(request, principal, person, body, e),
    )


async def _time_off(
    request: Request, principal: Principal, person: str, body: TimeOffBody, event_id: str | None
) -> ScheduleAccepted:
    time_off_id = str(uuid.uuid4())
    payload = TimeOffRequested(
        time_off_id=time_off_id,
        person=person,
        start=body.start,
        end=body.end,
        reason=body.reason,
        source=principal.source,
        requested_at=datetime.now(UTC),
    )
    await publish(deps_of(request), payload, person, event_id)
    return ScheduleAccepted(id=time_off_id, person=person, start=body.start, end=body.end)


class OncallPerson(BaseModel):
    """One person paged at a level."""

    person: str = Field(description="Person id")
    name: str = Field(description="The person's name")
    target: str = Field(description="Policy target that pages them: `schedule`, `team` or `person`")
    team: str | None = Field(description="Team whose schedule put them on duty")
    layer: str | None = Field(description="Schedule layer (or `override`) that gave the shift")
    start: datetime | None = Field(description="Start of the shift containing `at`")
    end: datetime | None = Field(description="End of the shift containing `at`")


class OncallLevel(BaseModel):
    """Everyone one escalation level pages."""

    level: int = Field(description="Escalation level, from 1")
    people: list[OncallPerson] = Field(description="Who this level pages at `at`")


class Oncall(BaseModel):
    """Who is on duty for a team at an instant, per escalation level."""

    team: str = Field(description="Team id")
    at: datetime = Field(description="The instant asked about")
    levels: list[OncallLevel] = Field(description="One entry per escalation policy level")


@router.get(
    "/oncall", response_model=Oncall, responses=errors(*READ_ERRORS, 404), summary="Who is on call"
)
async def who_is_on_call(
    _: Reader,
    request: Request,
    team: Annotated[str, Query(min_length=1, max_length=64, description="Team id")],
    at: Annotated[AwareDatetime | None, Query(description="Instant (default now)")] = None,
) -> Oncall:
    """Who each escalation level of the team pages at `at`, with the layer that gave it.

    Overrides and time off are applied. Needs scope `escalations:read`.
    """
    deps = deps_of(request)
    config = deps.config.current()
    known_team(config, team)
    when = at or datetime.now(UTC)
    overrides, time_off = await windows(deps, config, when, when + timedelta(microseconds=1))
    levels = oncall(config, team, when, overrides=overrides, time_off=time_off)
    names = config.people_by_id
    return Oncall(
        team=team,
        at=when,
        levels=[
            OncallLevel(
                level=lv.level,
                people=[
                    OncallPerson(
                        person=e.person,
                        name=names[e.person].name,
                        target=e.target,
                        team=e.team,
                        layer=e.layer,
                        start=e.start,
                        end=e.end,
                    )
                    for e in lv.people
                ],
            )
            for lv in levels
        ],
    )

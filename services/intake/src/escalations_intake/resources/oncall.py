"""Who is on call: the people each escalation level of a team pages at an instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, Field

from escalations.core.schedules import oncall
from escalations_intake.auth.guard import Reader
from escalations_intake.db.schedules import windows
from escalations_intake.http.deps import ConfigDep, SessionsDep
from escalations_intake.openapi.errors import READ_ERRORS, errors
from escalations_intake.resources.schedules import known_team

router = APIRouter(prefix="/v1", tags=["schedules"])


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
    config: ConfigDep,
    sessions: SessionsDep,
    team: Annotated[str, Query(min_length=1, max_length=64, description="Team id")],
    at: Annotated[AwareDatetime | None, Query(description="Instant (default now)")] = None,
) -> Oncall:
    """Who each escalation level of the team pages at `at`, with the layer that gave it.

    Overrides and time off are applied. Needs scope `escalations:read`.
    """
    known_team(config, team)
    when = at or datetime.now(UTC)
    overrides, time_off = await windows(sessions, config, when, when + timedelta(microseconds=1))
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

"""iCalendar (RFC 5545) calendars of shifts, for a team or a person, read with a key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import AwareDatetime

from escalations.core.config import Config
from escalations.core.ical import person_calendar, team_calendar
from escalations_intake.auth.guard import Reader
from escalations_intake.db import Sessions
from escalations_intake.db.schedules import windows
from escalations_intake.http.deps import ConfigDep, SessionsDep
from escalations_intake.http.problems import Problem
from escalations_intake.openapi.errors import READ_ERRORS, errors

router = APIRouter(prefix="/v1", tags=["schedules"])
CALENDAR = "text/calendar; charset=utf-8"
DEFAULT_BACK = timedelta(days=7)
DEFAULT_AHEAD = timedelta(days=56)
MAX_SPAN = timedelta(days=366)
From = Annotated[
    AwareDatetime | None, Query(alias="from", description="Window start (default: 7 days ago)")
]
To = Annotated[AwareDatetime | None, Query(description="Window end (default: 8 weeks ahead)")]
_ICS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The shifts as an iCalendar feed",
        "content": {"text/calendar": {"schema": {"type": "string"}}},
    },
    **errors(*READ_ERRORS, 404),
}


def window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """Return the calendar window: default a week back and eight weeks ahead; 422 if bad."""
    now = datetime.now(UTC).replace(microsecond=0)
    begin = start or now - DEFAULT_BACK
    finish = end or begin + DEFAULT_BACK + DEFAULT_AHEAD
    if finish <= begin:
        raise Problem(422, "Invalid request", "to: must be after from")
    if finish - begin > MAX_SPAN:
        raise Problem(422, "Invalid request", f"to: window longer than {MAX_SPAN.days} days")
    return begin, finish


@router.get(
    "/teams/{team}/schedule.ics", response_class=Response, responses=_ICS, summary="Team calendar"
)
async def team_feed(
    team: Annotated[str, Path(min_length=1, max_length=64)],
    _: Reader,
    config: ConfigDep,
    sessions: SessionsDep,
    start: From = None,
    to: To = None,
) -> Response:
    """The team's shifts (every layer, overrides and time off applied) as iCalendar."""
    if team not in config.teams_by_id:
        raise Problem(404, "Not found", f"team: no team '{team}' in the configuration")
    return await calendar(sessions, config, "team", team, *window(start, to))


@router.get(
    "/people/{person}/oncall.ics",
    response_class=Response,
    responses=_ICS,
    summary="Personal on-call calendar",
)
async def person_feed(
    person: Annotated[str, Path(min_length=1, max_length=64)],
    _: Reader,
    config: ConfigDep,
    sessions: SessionsDep,
    start: From = None,
    to: To = None,
) -> Response:
    """One person's shifts in every team as iCalendar."""
    if person not in config.people_by_id:
        raise Problem(404, "Not found", f"person: no person '{person}' in the configuration")
    return await calendar(sessions, config, "person", person, *window(start, to))


async def calendar(
    sessions: Sessions,
    config: Config,
    kind: Literal["team", "person"],
    owner: str,
    begin: datetime,
    finish: datetime,
) -> Response:
    """Return a team's or a person's shifts in [begin, finish) as iCalendar, as stored."""
    overrides, time_off = await windows(sessions, config, begin, finish)
    render = team_calendar if kind == "team" else person_calendar
    body = render(config, owner, begin, finish, overrides=overrides, time_off=time_off)
    return Response(body, media_type=CALENDAR)

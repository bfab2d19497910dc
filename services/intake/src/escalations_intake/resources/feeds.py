"""Calendar feeds calendar apps can subscribe to: secret URLs per team and per person.

A calendar app cannot send an ``Authorization`` header, so the feed URL carries a secret
(``/v1/feeds/<secret>.ics``). Creating one needs ``schedules:write`` and shows the secret
once; the feed can be listed (without secrets) and revoked. The feed serves the same
calendar as the Bearer-authenticated ``.ics`` endpoints, overrides and time off applied.
Unknown and revoked secrets get ``404``; lookups are rate-limited per client address.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Request, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from escalations.core.config import Config
from escalations.db.models_schedule import CalendarFeedRow
from escalations_intake.auth.guard import Reader, Scheduler
from escalations_intake.auth.rate_limit import retry_after
from escalations_intake.db import Sessions
from escalations_intake.db import feeds as feed_store
from escalations_intake.db.feeds import FeedKind
from escalations_intake.http.deps import ConfigDep, LimiterDep, SessionsDep, SettingsDep
from escalations_intake.http.problems import Problem
from escalations_intake.openapi.errors import READ_ERRORS, WRITE_ERRORS, errors
from escalations_intake.resources.calendars import calendar, window
from escalations_intake.resources.schedule_views import known_person, printable
from escalations_intake.resources.schedules import PersonPath, TeamId, known_team

router = APIRouter(prefix="/v1", tags=["schedules"])
FeedId = Annotated[uuid.UUID, Path(description="The id answered when the feed was created")]


class FeedBody(BaseModel):
    """What the feed is for (optional)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    description: Annotated[str, AfterValidator(printable)] | None = Field(
        None,
        max_length=200,
        description="A note to tell feeds apart (no control characters)",
        examples=["phone"],
        # The document states what `printable` enforces, which says what is wrong.
        json_schema_extra={"pattern": "^[^\\x00-\\x1f\\x7f]*$"},
    )


class Feed(BaseModel):
    """A calendar feed (its secret is never shown again)."""

    id: str = Field(description="Feed id (to revoke it)")
    kind: FeedKind = Field(description="`team` or `person`")
    owner: str = Field(description="The team or person id")
    description: str | None = Field(description="The note given at creation")
    created_by: str = Field(description="Who created it: a person, or `system:<source>`")
    created_at: datetime = Field(description="When it was created")
    revoked_at: datetime | None = Field(description="When it was revoked (null: live)")


class FeedCreated(Feed):
    """A new feed and its secret URL, shown only this once."""

    secret: str = Field(description="The secret; keep it like a password")
    url: str = Field(description="The URL to subscribe to in a calendar app")


class Feeds(BaseModel):
    """The feeds of a team or a person, newest first."""

    feeds: list[Feed] = Field(description="Live and revoked feeds, without secrets")


def _feed(row: CalendarFeedRow) -> Feed:
    return Feed.model_validate(row, from_attributes=True)


def _owner(config: Config, kind: FeedKind, owner: str) -> None:
    if kind == "team":
        known_team(config, owner)
    else:
        known_person(config, owner)


async def _create(
    config: Config,
    sessions: Sessions,
    public_url: str,
    kind: FeedKind,
    owner: str,
    body: FeedBody | None,
    created_by: str,
) -> Response:
    _owner(config, kind, owner)
    made = await feed_store.create(
        sessions, kind, owner, body.description if body else None, created_by
    )
    url = f"{public_url.rstrip('/')}/v1/feeds/{made.secret}.ics"
    answer = FeedCreated(**_feed(made.row).model_dump(), secret=made.secret, url=url)
    return Response(answer.model_dump_json(), status_code=201, media_type="application/json")


async def _revoke(
    config: Config, sessions: Sessions, kind: FeedKind, owner: str, feed_id: uuid.UUID
) -> Response:
    _owner(config, kind, owner)
    if not await feed_store.revoke(sessions, kind, owner, str(feed_id)):
        raise Problem(404, "Not found", f"feed_id: no feed '{feed_id}' of {kind} '{owner}'")
    return Response(status_code=204)


_SUBSCRIBED: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The shifts as an iCalendar feed",
        "content": {"text/calendar": {"schema": {"type": "string"}}},
    }
}
_CREATED: dict[int | str, dict[str, Any]] = {
    201: {"model": FeedCreated, "description": "The feed, with its secret URL"}
}
_BODY = Body(default=None, description="Optional; `{}` or no body is fine")


@router.post(
    "/teams/{team}/feeds",
    status_code=201,
    response_class=Response,
    responses={**_CREATED, **errors(*WRITE_ERRORS, 404)},
    summary="Create a team calendar feed",
)
async def create_team_feed(
    team: TeamId,
    principal: Scheduler,
    config: ConfigDep,
    sessions: SessionsDep,
    settings: SettingsDep,
    body: FeedBody | None = _BODY,
) -> Response:
    """A secret URL serving the team's shifts as iCalendar, for calendar apps (no headers).

    The secret is shown once. Needs scope `schedules:write`.
    """
    return await _create(config, sessions, settings.public_url, "team", team, body, principal.actor)


@router.post(
    "/people/{person}/feeds",
    status_code=201,
    response_class=Response,
    responses={**_CREATED, **errors(*WRITE_ERRORS, 404)},
    summary="Create a personal calendar feed",
)
async def create_person_feed(
    person: PersonPath,
    principal: Scheduler,
    config: ConfigDep,
    sessions: SessionsDep,
    settings: SettingsDep,
    body: FeedBody | None = _BODY,
) -> Response:
    """A secret URL serving the person's shifts as iCalendar, for calendar apps (no headers).

    The secret is shown once. Needs scope `schedules:write`.
    """
    return await _create(
        config, sessions, settings.public_url, "person", person, body, principal.actor
    )


@router.get(
    "/teams/{team}/feeds",
    response_model=Feeds,
    responses=errors(*READ_ERRORS, 404),
    summary="List team calendar feeds",
)
async def team_feeds(team: TeamId, _: Reader, config: ConfigDep, sessions: SessionsDep) -> Feeds:
    """The team's calendar feeds, without their secrets. Needs scope `escalations:read`."""
    _owner(config, "team", team)
    rows = await feed_store.listed(sessions, "team", team)
    return Feeds(feeds=[_feed(row) for row in rows])


@router.get(
    "/people/{person}/feeds",
    response_model=Feeds,
    responses=errors(*READ_ERRORS, 404),
    summary="List personal calendar feeds",
)
async def person_feeds(
    person: PersonPath, _: Reader, config: ConfigDep, sessions: SessionsDep
) -> Feeds:
    """The person's calendar feeds, without their secrets. Needs scope `escalations:read`."""
    _owner(config, "person", person)
    rows = await feed_store.listed(sessions, "person", person)
    return Feeds(feeds=[_feed(row) for row in rows])


@router.delete(
    "/teams/{team}/feeds/{feed_id}",
    status_code=204,
    response_class=Response,
    responses=errors(401, 403, 404, 422, 429, 503),
    summary="Revoke a team calendar feed",
)
async def revoke_team_feed(
    team: TeamId, feed_id: FeedId, _: Scheduler, config: ConfigDep, sessions: SessionsDep
) -> Response:
    """Revoke the feed: its URL answers 404 from now on. Needs scope `schedules:write`."""
    return await _revoke(config, sessions, "team", team, feed_id)


@router.delete(
    "/people/{person}/feeds/{feed_id}",
    status_code=204,
    response_class=Response,
    responses=errors(401, 403, 404, 422, 429, 503),
    summary="Revoke a personal calendar feed",
)
async def revoke_person_feed(
    person: PersonPath, feed_id: FeedId, _: Scheduler, config: ConfigDep, sessions: SessionsDep
) -> Response:
    """Revoke the feed: its URL answers 404 from now on. Needs scope `schedules:write`."""
    return await _revoke(config, sessions, "person", person, feed_id)


@router.get(
    "/feeds/{secret}.ics",
    response_class=Response,
    responses={**_SUBSCRIBED, **errors(404, 429, 503)},
    summary="Subscribed calendar feed",
)
async def subscribed_feed(
    secret: Annotated[str, Path(max_length=200, description="The feed's secret")],
    request: Request,
    limiter: LimiterDep,
    config: ConfigDep,
    sessions: SessionsDep,
) -> Response:
    """The feed's shifts as iCalendar; the secret in the URL is the credential (no header).

    Unknown or revoked secrets get 404. Overrides and time off are applied; the window is a
    week back and eight weeks ahead.
    """
    client = request.client.host if request.client else "unknown"
    wait = limiter.take(f"feed:{client}")
    if wait is not None:
        raise Problem(
            429, "Too many requests", "feed: too many lookups", {"Retry-After": retry_after(wait)}
        )
    row = await feed_store.find(sessions, secret)
    known = config.teams_by_id if row is not None and row.kind == "team" else config.people_by_id
    if row is None or row.owner not in known:
        raise Problem(404, "Not found", "feed: no such feed (unknown or revoked)")
    kind: FeedKind = "team" if row.kind == "team" else "person"
    return await calendar(sessions, config, kind, row.owner, *window(None, None))

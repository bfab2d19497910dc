"""The sign-in endpoints, and ``GET /v1/me`` (who am I).

Browsers navigate to the sign-in, callback and local-link endpoints and get redirects or
HTML pages; the console posts sign-out with its CSRF token. These four work with the
session cookie only, so they stay out of the API document, which describes bearer
authentication; ``GET /v1/me`` answers any caller and is documented (docs/sign-in.md).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import Response
from starlette.routing import Route

from escalations.audit.store import append
from escalations.core.access import roles_of
from escalations_intake.auth.guard import Caller
from escalations_intake.db.web_sessions import WebSession, close_session, find_session
from escalations_intake.http.deps import ConfigDep
from escalations_intake.http.problems import Problem
from escalations_intake.identity import cookies
from escalations_intake.identity.flow import CALLBACK_PATH, Identity, client_address, session_ref
from escalations_intake.identity.local import LOCAL_PATH, use_link
from escalations_intake.identity.return_to import console_path
from escalations_intake.identity.session_auth import check_csrf, web_session
from escalations_intake.openapi.errors import READ_ERRORS, errors

router = APIRouter(tags=["sign-in"])
NextPath = Annotated[str | None, Query(alias="next")]
LinkToken = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]


def identity_of(request: Request) -> Identity:
    """Return the sign-in pieces of the running service (built by ``bootstrap``)."""
    identity: Identity = request.app.state.intake.identity
    return identity


@router.get("/v1/auth/sign-in", include_in_schema=False)
async def sign_in(request: Request, next_path: NextPath = None) -> Response:
    """Send the browser to the OpenID Connect provider; ``next``: a console page to return to.

    Any other ``next`` is ignored: the sign-in then ends at the default page.
    """
    identity = identity_of(request)
    return identity.over_rate(request) or await identity.begin(request, console_path(next_path))


async def callback(request: Request) -> Response:
    """Finish a sign-in: the provider sends the browser back here with a code."""
    identity = identity_of(request)
    return identity.over_rate(request) or await identity.callback(request)


# A plain route, outside the check for unknown query parameters: providers add their own
# (Keycloak's `session_state`, Google's `authuser` and `hd`, RFC 9207's `iss`).
CALLBACK = Route(CALLBACK_PATH, callback, methods=["GET"], include_in_schema=False)


@router.get(LOCAL_PATH + "/{token}", include_in_schema=False)
async def local_sign_in(request: Request, token: LinkToken) -> Response:
    """Sign in with a one-time local link (``make run``)."""
    identity = identity_of(request)
    return identity.over_rate(request) or await use_link(identity, request, token)


@router.post("/v1/auth/sign-out", status_code=204, include_in_schema=False)
async def sign_out(request: Request) -> Response:
    """End the session of the request's cookie (CSRF-checked) and clear the cookie."""
    identity = identity_of(request)
    cookie = request.cookies.get(cookies.SESSION)
    if not cookie:
        raise Problem(401, "Unauthorized", "not signed in: the request has no session cookie")
    response = Response(status_code=204)
    cookies.clear_session(response, secure=identity.settings.https)
    found = await find_session(identity.sessions, cookie, datetime.now(UTC))
    if found is None:  # expired or signed out already: nothing left to end
        return response
    check_csrf(request, found)
    await end_session(identity, request, found)
    return response


async def end_session(identity: Identity, request: Request, found: WebSession) -> None:
    """Delete a session and audit the sign-out (the caller checked its CSRF token)."""
    async with identity.sessions() as session:
        await close_session(session, found.id_hash)
        await append(
            session,
            actor=found.person,
            action="sign_out",
            subject_kind="session",
            subject_id=session_ref(found.id_hash),
            detail={},
            client_address=client_address(request),
            user_agent=request.headers.get("user-agent"),
        )
        await session.commit()


class Roles(BaseModel):
    """A person's roles in the configuration (docs/contract/access.md)."""

    admin: bool = Field(description="Whether the person is an admin")
    viewer: bool = Field(description="Whether the person is a read-only viewer")
    leads: list[str] = Field(description="Teams the person leads")
    teams: list[str] = Field(description="Teams whose schedule has the person (responder)")


class Me(BaseModel):
    """Who the caller is, and what a console needs to act for them."""

    actor: str = Field(
        description="Who actions of this caller are by: a person id, or `system:<source>`"
    )
    person: str | None = Field(
        description="The person signed in or owning the token; null for a source key"
    )
    name: str | None = Field(description="The person's name; null for a source key")
    scopes: list[str] = Field(description="Scopes the caller holds")
    roles: Roles | None = Field(description="The person's roles; null for a source key")
    session_expires_at: datetime | None = Field(
        description="When the session ends; null unless signed in with the session cookie"
    )
    csrf_token: str | None = Field(
        description="Send as `X-CSRF-Token` with every write signed in by cookie; null otherwise"
    )


@router.get(
    "/v1/me",
    response_model=Me,
    responses=errors(*READ_ERRORS),
    summary="Who am I",
    description="The caller's identity: a person (signed in, or with a personal token) "
    "with their roles, or a source key. Signed in with the session cookie, it also gives "
    "the session's end and the CSRF token that writes must send.",
)
async def me(request: Request, principal: Caller, config: ConfigDep) -> Me:
    """Return who the caller is."""
    person = principal.person
    found = config.people_by_id.get(person) if person is not None else None
    roles = roles_of(config, found.id) if found is not None else None
    session = web_session(request)
    return Me(
        actor=principal.actor,
        person=person,
        name=found.name if found is not None else None,
        scopes=sorted(principal.scopes),
        roles=Roles(
            admin=roles.admin,
            viewer=roles.viewer,
            leads=sorted(roles.leads),
            teams=sorted(roles.teams),
        )
        if roles is not None
        else None,
        session_expires_at=session.expires_at if session is not None else None,
        csrf_token=session.csrf_token if session is not None else None,
    )

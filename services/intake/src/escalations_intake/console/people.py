"""Who is asking the console: a person, by session cookie or personal token, else sign in.

``Person`` is the dependency every console route declares. It reuses the API's checks
(``auth.guard.authenticate``: the session or ``Authorization: Bearer ept_...``, the person
still in the configuration, a viewer narrowed to reading) and the rate limit. Without
credentials a GET is sent to sign-in with ``next`` (303) so the person comes back here; a
source key gets the 403 page: the console is for people (docs/console.md, "Sign-in").
A cookie-authenticated POST must carry the session's CSRF token in its ``csrf_token`` form
field, which is checked exactly as the API checks ``X-CSRF-Token``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from escalations.core.access import PersonRoles, roles_of
from escalations.core.config import Config
from escalations_intake.auth.access_rules import Visibility, visibility
from escalations_intake.auth.guard import authenticate, authorize, presented_key
from escalations_intake.auth.principal import Principal, Scope
from escalations_intake.console.forms import FormError, field, form_fields
from escalations_intake.console.render import VIEWER_STATE, error_page
from escalations_intake.db.web_sessions import WebSession
from escalations_intake.http.problems import Problem
from escalations_intake.identity import cookies
from escalations_intake.identity.session_auth import CSRF_HEADER, SAFE_METHODS, web_session

CSRF_FIELD = "csrf_token"
SIGN_IN = "/v1/auth/sign-in"


class PageExit(Exception):
    """Stop a console request with this response (a redirect or an error page)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


@dataclass(frozen=True, slots=True)
class ConsolePerson:
    """The signed-in person: principal, roles, configuration, and what they may see."""

    principal: Principal
    person: str
    name: str
    roles: PersonRoles
    config: Config
    visibility: Visibility | None
    session: WebSession | None

    @property
    def csrf_token(self) -> str | None:
        """The token every form posts when signed in by cookie (None with a token)."""
        return self.session.csrf_token if self.session is not None else None

    @property
    def may_act(self) -> bool:
        """Whether the person's credential may act (a viewer or read-only token may not)."""
        return Scope.ACT in self.principal.scopes


def sign_in_url(request: Request) -> str:
    """Return the sign-in URL that brings the browser back to this request's page."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"{SIGN_IN}?next={quote(here, safe='')}"


def refuse(request: Request, status: int, title: str, message: str) -> PageExit:
    """Return the exit to the console's error page."""
    return PageExit(error_page(request, status, title, message))


async def _with_form_csrf(request: Request) -> Request:
    """Return the request with its form's CSRF token presented as the API's header."""
    if request.method in SAFE_METHODS or not request.cookies.get(cookies.SESSION):
        return request
    try:
        token = field(await form_fields(request), CSRF_FIELD, 200)
    except FormError:
        token = ""  # refused as a missing token by the session check below
    scope = dict(request.scope)
    scope["headers"] = [
        *[(k, v) for k, v in request.scope["headers"] if k.lower() != CSRF_HEADER.lower().encode()],
        (CSRF_HEADER.lower().encode(), token.encode()),
    ]
    return Request(scope, request.receive)


async def console_person(request: Request) -> ConsolePerson:
    """Return the person of the request, or stop it with a redirect or an error page."""
    key = presented_key(request.headers.get("authorization"))
    if key is None and not request.cookies.get(cookies.SESSION):
        raise _to_sign_in(request, "Sign in to use the console.")
    checked = await _with_form_csrf(request)
    try:
        principal = await authenticate(checked, key)
        authorize(request, principal, None)
    except Problem as exc:
        if exc.status == 401:
            raise _to_sign_in(request, exc.detail) from exc
        if exc.status == 403:
            why = "The form's security token is missing or stale: reload the page and retry."
            raise refuse(request, 403, "Forbidden", why) from exc
        raise refuse(request, exc.status, exc.title, exc.detail) from exc
    if principal.person is None:
        why = "The console is for people: sign in, or send a personal token, not a source key."
        raise refuse(request, 403, "Forbidden", why)
    config: Config = request.app.state.intake.config.current()
    roles = roles_of(config, principal.person)
    found = ConsolePerson(
        principal=principal,
        person=principal.person,
        name=config.people_by_id[principal.person].name,
        roles=roles,
        config=config,
        visibility=visibility(config, roles),
        session=web_session(checked),
    )
    setattr(request.state, VIEWER_STATE, found)
    return found


def _to_sign_in(request: Request, why: str) -> PageExit:
    if request.method in SAFE_METHODS:
        return PageExit(RedirectResponse(sign_in_url(request), status_code=303))
    return refuse(request, 401, "Signed out", f"{why} Sign in again, then retry.")


Person = Annotated[ConsolePerson, Depends(console_person)]

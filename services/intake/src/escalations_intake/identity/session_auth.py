"""Requests signed in with a session cookie: the guard's ``SessionAuth`` (auth/sessions.py).

A cookie names a live session (else 401), and every unsafe request must carry the
session's CSRF token in ``X-CSRF-Token`` (else 403), which a cross-site page cannot read.
The guard then checks that the person is still in the configuration.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from datetime import UTC, datetime

from fastapi import Request
from sqlalchemy.exc import SQLAlchemyError

from escalations_intake.auth.people import person_principal
from escalations_intake.auth.principal import Principal, Scope
from escalations_intake.db import Sessions
from escalations_intake.db.web_sessions import WebSession, find_session, purge
from escalations_intake.http.problems import Problem
from escalations_intake.identity import cookies

# What a signed-in person may do; roles narrow it further (docs/contract/access.md).
PERSON_SCOPES = frozenset({Scope.READ, Scope.ACT, Scope.SCHEDULES})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
PURGE_EVERY_S = 600.0
log = logging.getLogger(__name__)


class CookieSessions:
    """Finds the session of a request's cookie in Postgres (no cache: sign-out is at once)."""

    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    async def principal(self, request: Request) -> Principal | None:
        """Return the signed-in person, None without a cookie; 401 or 403 as documented."""
        cookie = request.cookies.get(cookies.SESSION)
        if not cookie:
            return None
        found = await find_session(self._sessions, cookie, datetime.now(UTC))
        if found is None:
            raise Problem(
                401,
                "Unauthorized",
                "your session has expired or was signed out: sign in again at /v1/auth/sign-in",
            )
        if request.method not in SAFE_METHODS:
            check_csrf(request, found)
        request.state.web_session = found
        return person_principal(found.person, PERSON_SCOPES)


def check_csrf(request: Request, session: WebSession) -> None:
    """Raise 403 unless the request carries the session's CSRF token."""
    sent = request.headers.get(CSRF_HEADER, "")
    if not hmac.compare_digest(sent.encode(), session.csrf_token.encode()):
        raise Problem(
            403,
            "Forbidden",
            f"a request signed in with a session cookie must send the header {CSRF_HEADER} "
            "with the token `csrf_token` of GET /v1/me",
        )


def web_session(request: Request) -> WebSession | None:
    """Return the session that authenticated this request, if a cookie did."""
    found: WebSession | None = getattr(request.state, "web_session", None)
    return found


async def purge_loop(sessions: Sessions, every_s: float = PURGE_EVERY_S) -> None:
    """Delete expired sessions and sign-in grants now and then, until cancelled."""
    while True:
        try:
            removed = await purge(sessions, datetime.now(UTC))
        except (OSError, SQLAlchemyError) as exc:  # Postgres away for a moment: next round
            log.warning("session purge failed: %s", exc)
        else:
            if removed:
                log.info("purged %d expired sessions and sign-in grants", removed)
        await asyncio.sleep(every_s)

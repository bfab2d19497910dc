"""The port through which the guard asks for a signed-in person: ``SessionAuth``.

The sign-in package implements it (server-side sessions behind a cookie, with CSRF checks
on writes); the guard asks it only when a request carries no ``Authorization: Bearer``.
"""

from __future__ import annotations

from typing import Protocol

from fastapi import Request

from escalations_intake.auth.principal import Principal


class SessionAuth(Protocol):
    """Authenticates a request by its session cookie."""

    async def principal(self, request: Request) -> Principal | None:
        """Return the signed-in person of the request, or None when it has no session cookie.

        Raise ``Problem(401)`` for an expired or unknown session, and ``Problem(403)`` for a
        cookie-authenticated unsafe request without a valid CSRF token.
        """
        ...

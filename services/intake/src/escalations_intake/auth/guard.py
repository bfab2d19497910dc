"""Who is asking, and may they: the API key of a request, its scopes and its source's rate.

Routes declare the scope they need with the ``Writer``, ``Reader``, ``Actor`` and
``Scheduler`` aliases; the key store and the rate limiter they use come in as one ``Guard``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param

from escalations_intake.auth.api_keys import KeyStore, Principal, Scope
from escalations_intake.auth.rate_limit import TokenBuckets, retry_after
from escalations_intake.http.problems import Problem
from escalations_intake.metrics import RATE_LIMITED

BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="apiKey",
    description="An API key of a source: `Authorization: Bearer esk_...`. Each key has a "
    "source, a source kind and scopes (`escalations:write`, `escalations:read`, "
    "`escalations:act`, `schedules:write`).",
)


@dataclass(frozen=True, slots=True)
class Guard:
    """What checking a request's key needs: the key store and the per-source rate limiter."""

    keys: KeyStore
    limiter: TokenBuckets


def guard_of(request: Request) -> Guard:
    """Return the guard of the running service (built by ``bootstrap``)."""
    guard: Guard = request.app.state.intake.guard
    return guard


def bearer(request: Request) -> str | None:
    """Return the key of an ``Authorization: Bearer`` header, or None when there is none."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def authenticate(request: Request, key: str | None) -> Principal:
    """Return the principal of a presented key, or raise 401."""
    challenge = {"WWW-Authenticate": "Bearer"}
    if key is None:
        raise Problem(
            401,
            "Unauthorized",
            "missing API key: send the header `Authorization: Bearer <api key>`",
            challenge,
        )
    principal = await guard_of(request).keys.principal(key)
    if principal is None:
        raise Problem(401, "Unauthorized", "unknown or revoked API key", challenge)
    return principal


def authorize_scope(principal: Principal, scope: Scope, purpose: str | None = None) -> None:
    """Raise 403 unless the principal holds ``scope``."""
    if scope not in principal.scopes:
        needed = f" (needed for {purpose})" if purpose else ""
        raise Problem(
            403,
            "Forbidden",
            f"this key of source '{principal.source}' lacks scope '{scope}'{needed}",
        )


def authorize(request: Request, principal: Principal, scope: Scope) -> None:
    """Raise 403 unless the principal holds ``scope``, and 429 past its source's rate."""
    authorize_scope(principal, scope)
    take_token(guard_of(request).limiter, principal)


def take_token(limiter: TokenBuckets, principal: Principal) -> None:
    """Take a token of the principal's source, or raise 429 with ``Retry-After``."""
    wait = limiter.take(principal.source)
    if wait is not None:
        RATE_LIMITED.labels(principal.source).inc()
        raise Problem(
            429,
            "Too many requests",
            f"source '{principal.source}' is over its rate limit; retry after the delay",
            {"Retry-After": retry_after(wait)},
        )


class KeyAuth(HTTPBearer):
    """The bearer scheme of the API document that also authenticates and authorizes.

    One dependency instead of a scheme plus a dependency on it: FastAPI documents it as
    the ``apiKey`` bearer scheme and resolves a single dependency per request.
    """

    def __init__(self, scope: Scope) -> None:
        super().__init__(
            auto_error=False, scheme_name=BEARER.scheme_name, description=BEARER.model.description
        )
        self.scope = scope

    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]  # answers the principal, not the credentials
        """Return the principal of the request's key (401), holding the scope (403, 429)."""
        principal = await authenticate(request, _presented(request))
        authorize(request, principal, self.scope)
        return principal


def _presented(request: Request) -> str | None:
    """Return the key of ``Authorization: Bearer <key>`` exactly as HTTPBearer reads it."""
    return presented_key(request.headers.get("authorization"))


def presented_key(authorization: str | None) -> str | None:
    """Return the key of an ``Authorization`` header value, or None when it presents none."""
    scheme, credentials = get_authorization_scheme_param(authorization)
    if not (authorization and scheme and credentials) or scheme.lower() != "bearer":
        return None
    return credentials.strip() or None


def require(scope: Scope) -> object:
    """Return a dependency that authenticates the caller and checks it holds ``scope``."""
    return Depends(KeyAuth(scope))


Writer = Annotated[Principal, require(Scope.WRITE)]
Reader = Annotated[Principal, require(Scope.READ)]
Actor = Annotated[Principal, require(Scope.ACT)]
Scheduler = Annotated[Principal, require(Scope.SCHEDULES)]

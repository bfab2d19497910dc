"""Who is asking, and may they: the key, token or session of a request, its scopes, its rate.

Routes declare the scope they need with the ``Writer``, ``Reader``, ``Actor`` and
``Scheduler`` aliases (``Caller`` needs none); the key store, the rate limiter and the
session port they use come in as one ``Guard``. A request's ``Authorization: Bearer``
(a source's API key or a person's token) is asked first, then its session, if any. For a
person, the roles and need-to-know of docs/contract/access.md are then enforced
(``auth.access.enforce``): every route that declares one of these aliases is checked.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param

from escalations.core.access import roles_of
from escalations.core.config import Config
from escalations_intake.auth.access import enforce
from escalations_intake.auth.api_keys import KeyStore
from escalations_intake.auth.principal import Principal, Scope
from escalations_intake.auth.rate_limit import TokenBuckets, retry_after
from escalations_intake.auth.sessions import SessionAuth
from escalations_intake.auth.tokens import TOKEN_PREFIX
from escalations_intake.http.problems import Problem
from escalations_intake.metrics import RATE_LIMITED

# What a viewer may do with any credential: read (docs/contract/access.md).
VIEWER_SCOPES = frozenset({Scope.READ})

BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="apiKey",
    description="An API key of a source (`Authorization: Bearer esk_...`) or a personal "
    "token of a person (`Authorization: Bearer ept_...`). Each has scopes "
    "(`escalations:write`, `escalations:read`, `escalations:act`, `schedules:write`); a key "
    "acts as `system:<source>`, a token as its person.",
)


@dataclass(frozen=True, slots=True)
class Guard:
    """What checking a request needs: the key store, the rate limiter, the session port."""

    keys: KeyStore
    limiter: TokenBuckets
    sessions: SessionAuth | None = None


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
    """Return the principal of a presented key or token, else of the session, or raise 401."""
    challenge = {"WWW-Authenticate": "Bearer"}
    guard = guard_of(request)
    if key is None:
        signed_in = await guard.sessions.principal(request) if guard.sessions else None
        if signed_in is None:
            raise Problem(
                401,
                "Unauthorized",
                "missing API key: send the header `Authorization: Bearer <api key>`",
                challenge,
            )
        return _configured(request, signed_in)
    principal = await guard.keys.principal(key)
    if principal is None:
        unknown = (
            "unknown, revoked or expired personal token"
            if key.startswith(TOKEN_PREFIX)
            else "unknown or revoked API key"
        )
        raise Problem(401, "Unauthorized", unknown, challenge)
    return _configured(request, principal) if principal.person is not None else principal


def _configured(request: Request, principal: Principal) -> Principal:
    """Return a person's principal while the person is in the configuration, else raise 401."""
    config: Config = request.app.state.intake.config.current()
    if principal.person not in config.people_by_id:
        raise Problem(
            401,
            "Unauthorized",
            f"person '{principal.person}' is no longer in the configuration",
            {"WWW-Authenticate": "Bearer"},
        )
    if roles_of(config, principal.person).viewer and principal.scopes - VIEWER_SCOPES:
        # A viewer reads, whatever the token or session holds (docs/contract/access.md).
        return replace(principal, scopes=principal.scopes & VIEWER_SCOPES)
    return principal


def authorize_scope(principal: Principal, scope: Scope, purpose: str | None = None) -> None:
    """Raise 403 unless the principal holds ``scope``."""
    if scope not in principal.scopes:
        needed = f" (needed for {purpose})" if purpose else ""
        raise Problem(
            403,
            "Forbidden",
            f"{_holder(principal)} lacks scope '{scope}'{needed}",
        )


def _holder(principal: Principal) -> str:
    if principal.person is None:
        return f"this key of source '{principal.source}'"
    if principal.token_id is None:
        return f"the session of '{principal.person}'"
    return f"this token of '{principal.person}'"


def authorize(request: Request, principal: Principal, scope: Scope | None) -> None:
    """Raise 403 unless the principal holds ``scope`` (if any), and 429 past its rate."""
    if scope is not None:
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

    def __init__(self, scope: Scope | None) -> None:
        super().__init__(
            auto_error=False, scheme_name=BEARER.scheme_name, description=BEARER.model.description
        )
        self.scope = scope

    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]  # answers the principal, not the credentials
        """Return the principal of the request (401), holding the scope (403, 429).

        A person must also be allowed the endpoint by their roles (403) and, on an
        escalation, be allowed to see it (404, like a missing one).
        """
        principal = await authenticate(request, _presented(request))
        authorize(request, principal, self.scope)
        await enforce(request, principal)
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


def require(scope: Scope | None) -> object:
    """Return a dependency that authenticates the caller and checks it holds ``scope``."""
    return Depends(KeyAuth(scope))


Writer = Annotated[Principal, require(Scope.WRITE)]
Reader = Annotated[Principal, require(Scope.READ)]
Actor = Annotated[Principal, require(Scope.ACT)]
Scheduler = Annotated[Principal, require(Scope.SCHEDULES)]
Caller = Annotated[Principal, require(None)]  # any authenticated caller; the route decides

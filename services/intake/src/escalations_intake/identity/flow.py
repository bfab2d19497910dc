"""Signing in and out: the steps behind the browser routes, each answering a response.

A sign-in (OpenID Connect or a local link) ends in ``start_session``: one transaction stores
the session and its audit entry, and the browser gets the cookie. Every refusal is an HTML
page that says why, and an audit entry with the reason (docs/sign-in.md).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from fastapi import Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from escalations.audit.store import append
from escalations_intake.auth.rate_limit import TokenBuckets, retry_after
from escalations_intake.config_source import ConfigSource
from escalations_intake.db import Sessions
from escalations_intake.db.web_sessions import open_session, put_grant, take_grant
from escalations_intake.http.audit import audit_anonymous
from escalations_intake.identity import cookies
from escalations_intake.identity.claims import Refused, person_of
from escalations_intake.identity.oidc import OidcClient, ProviderUnavailable, SignInRefused
from escalations_intake.identity.pages import page
from escalations_intake.identity.return_to import console_path
from escalations_intake.settings import IntakeSettings

CALLBACK_PATH = "/v1/auth/callback"
SIGNED_IN_PATH = "/v1/me"
LOCAL_SIGNED_IN_PATH = "/console"
# Time to type a password and answer a second factor at the provider.
SIGN_IN_WINDOW = timedelta(minutes=10)
Method = Literal["oidc", "local"]
# Addresses remembered by the sign-in limiter before it starts afresh (bounded memory).
MAX_ADDRESSES = 10_000


class AddressLimiter:
    """Sign-in attempts per client address: the per-source token buckets, keyed by address."""

    def __init__(self, per_minute: float, workers: int) -> None:
        self._per_second = per_minute / 60
        self._workers = workers
        self._seen: set[str] = set()
        self._buckets = self._fresh()

    def _fresh(self) -> TokenBuckets:
        # A minute's worth of attempts at once, then the steady rate.
        return TokenBuckets(lambda _address: self._per_second, 60.0, self._workers)

    def take(self, address: str) -> float | None:
        """Take an attempt for ``address``: None if allowed, else seconds to wait."""
        if address not in self._seen and len(self._seen) >= MAX_ADDRESSES:
            self._seen.clear()
            self._buckets = self._fresh()
        self._seen.add(address)
        return self._buckets.take(address)


@dataclass(frozen=True)
class Identity:
    """What the sign-in routes use: settings, tables, provider, per-address limiter."""

    settings: IntakeSettings
    sessions: Sessions
    config: ConfigSource
    oidc: OidcClient | None
    limiter: AddressLimiter

    @property
    def redirect_uri(self) -> str:
        """Return the callback URL to register with the provider."""
        return self.settings.public_url.rstrip("/") + CALLBACK_PATH

    def over_rate(self, request: Request) -> Response | None:
        """Return a 429 page when this client address is over its sign-in attempts."""
        wait = self.limiter.take(client_address(request))
        if wait is None:
            return None
        return page(
            429,
            "Too many sign-in attempts",
            "Too many sign-in attempts from your address. Wait a moment and try again.",
            headers={"Retry-After": retry_after(wait)},
        )

    async def begin(self, request: Request, next_path: str | None = None) -> Response:
        """Send the browser to the provider, remembering state, nonce and PKCE verifier.

        ``next_path``: the console page to return to (checked by ``return_to.console_path``).
        """
        if self.oidc is None:
            return _not_configured()
        try:
            authorization = await self.oidc.begin(self.redirect_uri)
        except ProviderUnavailable as exc:
            return _provider_down(str(exc))
        await put_grant(
            self.sessions,
            authorization.state,
            "oidc",
            now=datetime.now(UTC),
            ttl=SIGN_IN_WINDOW,
            nonce=authorization.nonce,
            code_verifier=authorization.code_verifier,
            next_path=next_path,
        )
        response = RedirectResponse(authorization.url, status_code=302)
        window = int(SIGN_IN_WINDOW.total_seconds())
        cookies.set_sign_in(response, authorization.state, window, secure=self.settings.https)
        return response

    async def callback(self, request: Request) -> Response:
        """Finish a sign-in the provider sent back: check it, then open a session."""
        if self.oidc is None:
            return _not_configured()
        query = request.query_params
        if query.get("error"):
            said = query.get("error_description") or query["error"]
            return await self.refuse(request, "provider_error", f"The provider said: {said}")
        state, code = query.get("state", ""), query.get("code", "")
        if not state or not code:
            return page(400, "Sign-in failed", "The provider's answer lacks `state` or `code`.")
        started = request.cookies.get(cookies.SIGN_IN, "")
        if not hmac.compare_digest(started.encode(), state.encode()):
            why = "This sign-in was not started in this browser, or it took too long."
            return await self.refuse(request, "state_mismatch", why)
        grant = await take_grant(self.sessions, state, "oidc", datetime.now(UTC))
        if grant is None or grant.nonce is None or grant.code_verifier is None:
            why = "This sign-in expired or was already used."
            return await self.refuse(request, "state_unknown", why)
        try:
            claims = await self.oidc.finish(
                code, self.redirect_uri, grant.nonce, grant.code_verifier
            )
            person = person_of(self.config.current(), claims)
        except ProviderUnavailable as exc:
            return _provider_down(str(exc))
        except SignInRefused as exc:
            return await self.refuse(request, "invalid_answer", str(exc))
        except Refused as exc:
            return await self.refuse(request, exc.reason, exc.detail, exc.email)
        return await self.start_session(request, person, "oidc", grant.next_path)

    async def start_session(
        self, request: Request, person: str, method: Method, to: str | None = None
    ) -> Response:
        """Store a session and its audit entry, set the cookie, and go to ``to``.

        ``to``: a console page checked by ``return_to.console_path``; by default
        ``/v1/me`` after OpenID Connect and the console after a local link.
        """
        now = datetime.now(UTC)
        ttl = timedelta(seconds=self.settings.session_ttl_seconds)
        address, agent = client_address(request), request.headers.get("user-agent")
        async with self.sessions() as session:
            cookie, opened = open_session(
                session, person, now=now, ttl=ttl, user_agent=agent, client_address=address
            )
            await append(
                session,
                actor=person,
                action="sign_in.succeeded",
                subject_kind="session",
                subject_id=session_ref(opened.id_hash),
                detail={"method": method},
                client_address=address,
                user_agent=agent,
                at=now,
            )
            await session.commit()
        default = LOCAL_SIGNED_IN_PATH if method == "local" else SIGNED_IN_PATH
        response = RedirectResponse(console_path(to) or default, status_code=303)
        secure = self.settings.https
        cookies.set_session(response, cookie, self.settings.session_ttl_seconds, secure=secure)
        cookies.clear_sign_in(response, secure=secure)
        return response

    async def refuse(
        self, request: Request, reason: str, message: str, email: str | None = None
    ) -> Response:
        """Audit a refused sign-in and answer the 403 page saying why."""
        detail = {"reason": reason, **({"email": email} if email else {})}
        await audit_anonymous(request, "anonymous", "sign_in.refused", "session", None, detail)
        response = page(403, "Sign-in refused", message)
        cookies.clear_sign_in(response, secure=self.settings.https)
        return response


def build(settings: IntakeSettings, sessions: Sessions, config: ConfigSource) -> Identity:
    """Return the sign-in pieces: the provider's client only when an issuer is set."""
    oidc = None
    if settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret:
        secret = settings.oidc_client_secret.get_secret_value()
        oidc = OidcClient(settings.oidc_issuer, settings.oidc_client_id, secret)
    limiter = AddressLimiter(settings.sign_in_rate_per_minute, settings.workers)
    return Identity(settings, sessions, config, oidc, limiter)


def session_ref(id_hash: str) -> str:
    """Return how the audit log names a session: the start of its cookie's hash."""
    return id_hash[:16]


def client_address(request: Request) -> str:
    """Return the address the request came from ("unknown" when the server cannot tell)."""
    return request.client.host if request.client is not None else "unknown"


def _not_configured() -> Response:
    return page(
        404,
        "Sign-in is not configured",
        "This server has no sign-in provider: set INTAKE_OIDC_ISSUER (docs/sign-in.md).",
        again=False,
    )


def _provider_down(why: str) -> Response:
    return page(
        503,
        "Sign-in provider unavailable",
        f"Sign-in is not possible right now: {why}. Try again in a minute.",
        headers={"Retry-After": "30"},
    )

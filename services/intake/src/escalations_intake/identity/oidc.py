"""The OpenID Connect client: the authorization-code flow with PKCE, through authlib.

authlib reads the provider's discovery document, builds the authorization URL (state,
nonce, S256 code challenge), exchanges the code, and validates the ID token: signature
against the provider's published keys, issuer, audience, expiry and nonce. The state,
nonce and verifier live in Postgres (``db/web_sessions.py``) rather than in authlib's
cookie session, so any intake worker or replica can finish a sign-in (docs/sign-in.md).
authlib's client speaks HTTP through httpx2 (a dependency here), so its errors are caught.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx2
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.starlette_client import OAuth
from joserfc.errors import JoseError

SCOPE = "openid email profile"
TIMEOUT_S = 10.0


class ProviderUnavailable(Exception):
    """The provider did not answer, or answered with a server error: try again later."""


class SignInRefused(Exception):
    """The provider's answer does not sign anybody in (the reason is the message)."""


@dataclass(frozen=True, slots=True)
class Authorization:
    """Where to send the browser, and what the callback must find again."""

    url: str
    state: str
    nonce: str
    code_verifier: str


class OidcClient:
    """One configured provider (issuer, client id and secret)."""

    def __init__(
        self,
        issuer: str,
        client_id: str,
        client_secret: str,
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        http: dict[str, Any] = {"timeout": TIMEOUT_S}
        if transport is not None:  # tests answer for a provider in-process
            http["transport"] = transport
        self._app: Any = OAuth().register(
            "oidc",
            client_id=client_id,
            client_secret=client_secret,
            server_metadata_url=f"{self.issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", **http},
        )

    async def begin(self, redirect_uri: str) -> Authorization:
        """Return the provider's authorization URL with a fresh state, nonce and PKCE."""
        try:
            found = await self._app.create_authorization_url(redirect_uri)
        except (httpx2.HTTPError, ValueError, RuntimeError) as exc:  # unreadable discovery
            raise ProviderUnavailable(_why(exc)) from exc
        return Authorization(found["url"], found["state"], found["nonce"], found["code_verifier"])

    async def finish(
        self, code: str, redirect_uri: str, nonce: str, code_verifier: str
    ) -> dict[str, Any]:
        """Exchange the code and return the validated ID token's claims."""
        try:
            token = await self._app.fetch_access_token(
                redirect_uri=redirect_uri, code=code, code_verifier=code_verifier
            )
            if "id_token" not in token:
                raise SignInRefused("the provider answered without an ID token")
            # The issuer and the audience are checked here, not left to defaults.
            options = {
                "iss": {"essential": True, "values": [self.issuer, self.issuer + "/"]},
                "aud": {"essential": True, "value": self.client_id},
            }
            claims = await self._app.parse_id_token(token, nonce=nonce, claims_options=options)
        except httpx2.HTTPError as exc:
            raise ProviderUnavailable(_why(exc)) from exc
        except OAuthError as exc:
            raise SignInRefused(
                f"the provider refused the code: {exc.description or exc.error}"
            ) from exc
        except JoseError as exc:
            raise SignInRefused(f"invalid ID token: {exc}") from exc
        except (ValueError, RuntimeError) as exc:  # an answer that is not JSON, or no keys
            raise ProviderUnavailable(_why(exc)) from exc
        return dict(claims)


def _why(exc: Exception) -> str:
    if isinstance(exc, httpx2.HTTPStatusError):
        return f"the sign-in provider answered {exc.response.status_code}"
    if isinstance(exc, httpx2.HTTPError):
        return f"the sign-in provider cannot be reached ({type(exc).__name__})"
    return f"the sign-in provider's answer cannot be used ({exc})"

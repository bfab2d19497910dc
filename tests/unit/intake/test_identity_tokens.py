"""ID tokens are checked by authlib as configured: signature, issuer, audience, nonce, expiry.

The provider here answers in-process (an httpx2 mock transport) so that it can sign tokens
that are wrong in one way each; the real provider process is in tests/e2e/identity.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from escalations_intake.identity.oidc import OidcClient, ProviderUnavailable, SignInRefused

ISSUER = "https://login.example.org"
CLIENT = "escalations"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})
DISCOVERY = {
    "issuer": ISSUER,
    "authorization_endpoint": f"{ISSUER}/authorize",
    "token_endpoint": f"{ISSUER}/token",
    "jwks_uri": f"{ISSUER}/jwks",
    "id_token_signing_alg_values_supported": ["RS256"],
}


def _provider(claims: dict[str, Any], key: RSAKey = KEY, status: int = 200) -> OidcClient:
    def answer(request: httpx2.Request) -> httpx2.Response:
        if status != 200:
            return httpx2.Response(status)
        if request.url.path == "/.well-known/openid-configuration":
            return httpx2.Response(200, json=DISCOVERY)
        if request.url.path == "/jwks":
            return httpx2.Response(200, json=KeySet([KEY]).as_dict(private=False))
        token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)
        return httpx2.Response(
            200, json={"access_token": "at", "token_type": "Bearer", "id_token": token}
        )

    return OidcClient(ISSUER, CLIENT, "secret", transport=httpx2.MockTransport(answer))


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "sub": "u1",
        "aud": CLIENT,
        "iat": now,
        "exp": now + 300,
        "nonce": "the-nonce",
        "email": "aoife@example.com",
        "email_verified": True,
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


async def _finish(client: OidcClient) -> dict[str, Any]:
    return await client.finish("code", "https://escalations.example.org/cb", "the-nonce", "v")


async def test_a_good_token_gives_its_claims() -> None:
    """A token signed by the provider's key, for us, with our nonce, is accepted."""
    assert "aoife@example.com" == (await _finish(_provider(_claims())))["email"]


async def test_the_authorization_url_carries_state_nonce_and_pkce() -> None:
    """The redirect asks for a code with a S256 challenge, our nonce and state."""
    started = await _provider(_claims()).begin("https://escalations.example.org/cb")
    query = parse_qs(urlsplit(started.url).query)
    assert ["S256"] == query["code_challenge_method"]
    assert [started.state] == query["state"]
    assert [started.nonce] == query["nonce"]
    assert "openid" in query["scope"][0].split()


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda: _provider(_claims(aud="someone-else")), "'aud'"),
        (lambda: _provider(_claims(iss="https://evil.example.org")), "'iss'"),
        (lambda: _provider(_claims(nonce="replayed")), "Invalid claim: 'nonce'"),
        (lambda: _provider(_claims(nonce=None)), "Missing claim: 'nonce'"),
        (lambda: _provider(_claims(exp=int(time.time()) - 3600)), "expired"),
        (lambda: _provider(_claims(), key=OTHER_KEY), "bad_signature"),
    ],
    ids=["audience", "issuer", "nonce", "no nonce", "expired", "signature"],
)
async def test_a_wrong_token_is_refused(make: Callable[[], OidcClient], why: str) -> None:
    """A token for another client, from another issuer, replayed, expired or forged is refused."""
    with pytest.raises(SignInRefused, match=why):
        await _finish(make())


async def test_a_provider_answering_500_is_unavailable() -> None:
    """A server error of the provider is 'unavailable' (a 503 page), not a refusal or a 500."""
    with pytest.raises(ProviderUnavailable, match="answered 500"):
        await _provider(_claims(), status=500).begin("https://escalations.example.org/cb")

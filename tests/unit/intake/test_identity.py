"""Sign-in's pure parts: claims to a person, settings that refuse danger, cookies, CSRF, limits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from escalations.core.config import Config, load_config
from escalations.settings import DEMO_CONFIG
from escalations_intake.db.web_sessions import WebSession
from escalations_intake.http.problems import Problem
from escalations_intake.identity import cookies
from escalations_intake.identity.claims import Refused, person_of
from escalations_intake.identity.flow import AddressLimiter, build
from escalations_intake.identity.pages import page
from escalations_intake.identity.session_auth import check_csrf
from escalations_intake.settings import IntakeSettings

CONFIG: Config = load_config(DEMO_CONFIG).config


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"email": "aoife@example.com", "email_verified": True}, "aoife"),
        ({"email": "AOIFE@Example.COM", "email_verified": True}, "aoife"),
        ({"email": "sean@example.com", "email_verified": "true"}, "sean"),
        # Entra ID: no email_verified, the optional claim xms_edov (domain owner verified).
        ({"email": "sean@example.com", "xms_edov": True}, "sean"),
        ({"email": "sean@example.com", "xms_edov": "1"}, "sean"),
    ],
)
def test_a_verified_address_names_its_person(claims: dict[str, Any], expected: str) -> None:
    """A verified e-mail claim maps to the configured person, whatever its case."""
    assert expected == person_of(CONFIG, claims)


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"email_verified": True}, "no_email"),
        ({"email": "aoife@example.com"}, "email_not_verified"),
        ({"email": "aoife@example.com", "email_verified": False}, "email_not_verified"),
        ({"email": "aoife@example.com", "email_verified": "yes"}, "email_not_verified"),
        ({"email": "aoife@example.com", "xms_edov": False}, "email_not_verified"),
        # A provider that says "not verified" is not overruled by the Entra claim.
        (
            {"email": "aoife@example.com", "email_verified": False, "xms_edov": True},
            "email_not_verified",
        ),
        ({"email": "stranger@example.org", "email_verified": True}, "unknown_person"),
    ],
)
def test_claims_that_name_nobody_are_refused(claims: dict[str, Any], reason: str) -> None:
    """No address, an unverified one, or one of nobody configured signs nobody in."""
    with pytest.raises(Refused) as caught:
        person_of(CONFIG, claims)
    assert reason == caught.value.reason


@pytest.mark.parametrize(
    "unsafe",
    [
        {"host": "0.0.0.0"},  # noqa: S104 - the public bind that must be refused
        {"host": "10.0.0.5"},
        {"host": "intake.internal"},
        {"public_url": "https://escalations.example.org"},
    ],
)
def test_local_sign_in_is_refused_off_loopback_or_under_https(unsafe: dict[str, str]) -> None:
    """Local sign-in with a public bind address or an https public URL does not start."""
    with pytest.raises(ValidationError, match="INTAKE_LOCAL_SIGN_IN"):
        IntakeSettings(local_sign_in=True, **unsafe)  # type: ignore[arg-type]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_local_sign_in_starts_on_loopback(host: str) -> None:
    """Loopback addresses over http may offer local sign-in."""
    assert IntakeSettings(local_sign_in=True, host=host).local_sign_in


def test_an_issuer_needs_a_client_id_and_secret() -> None:
    """A provider set up halfway is refused at start-up, naming what is missing."""
    with pytest.raises(ValidationError, match="INTAKE_OIDC_CLIENT_ID"):
        IntakeSettings(oidc_issuer="https://login.example.org")
    full = IntakeSettings(
        oidc_issuer="https://login.example.org",
        oidc_client_id="escalations",
        oidc_client_secret=SecretStr("s3cret"),
    )
    assert full.oidc_issuer


def test_empty_provider_settings_are_unset() -> None:
    """Deployments list the variables empty until sign-in is set up: that is off, not half."""
    blank = IntakeSettings(oidc_issuer="", oidc_client_id=" ", oidc_client_secret="")
    assert (blank.oidc_issuer, blank.oidc_client_id, blank.oidc_client_secret) == (None,) * 3
    with pytest.raises(ValidationError, match="INTAKE_OIDC_CLIENT_SECRET"):
        IntakeSettings(
            oidc_issuer="https://login.example.org", oidc_client_id="x", oidc_client_secret=""
        )


@pytest.mark.parametrize("secure", [False, True])
def test_the_session_cookie_is_httponly_lax_and_secure_under_https(secure: bool) -> None:
    """The cookie is HttpOnly, SameSite=Lax, Path=/, and Secure exactly when over https."""
    response = Response()
    cookies.set_session(response, "value", 3600, secure=secure)
    parts = {p.strip().lower() for p in response.headers["set-cookie"].split(";")}
    assert {"httponly", "samesite=lax", "path=/", "max-age=3600"} <= parts
    assert secure == ("secure" in parts)


def _request(method: str, headers: dict[str, str]) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "method": method, "headers": raw, "path": "/"})


SESSION = WebSession("h" * 64, "aoife", "the-token", datetime.now(UTC), datetime.now(UTC))


@pytest.mark.parametrize("sent", [{}, {"X-CSRF-Token": "other"}, {"X-CSRF-Token": ""}])
def test_a_write_without_the_sessions_csrf_token_is_403(sent: dict[str, str]) -> None:
    """A missing, empty or different X-CSRF-Token is refused."""
    with pytest.raises(Problem) as caught:
        check_csrf(_request("POST", sent), SESSION)
    assert 403 == caught.value.status


def test_the_sessions_csrf_token_passes() -> None:
    """The session's own token is accepted."""
    check_csrf(_request("POST", {"X-CSRF-Token": "the-token"}), SESSION)


def test_sign_in_attempts_are_limited_per_address() -> None:
    """An address gets a minute's worth of attempts at once, then waits; others are apart."""
    limiter = AddressLimiter(per_minute=3, workers=1)
    assert [None, None, None] == [limiter.take("192.0.2.1") for _ in range(3)]
    wait = limiter.take("192.0.2.1")
    assert wait is not None
    assert wait > 0
    assert limiter.take("192.0.2.2") is None


def test_pages_escape_what_they_show() -> None:
    """Text from a provider or a link is shown escaped, never as markup."""
    shown = bytes(page(403, "Refused <x>", "<script>alert(1)</script>").body).decode()
    assert "<script>" not in shown
    assert "&lt;script&gt;" in shown


def test_over_the_sign_in_rate_is_a_429_page_with_retry_after() -> None:
    """Past its sign-in attempts, an address gets a 429 page saying when to retry."""
    identity = build(IntakeSettings(sign_in_rate_per_minute=1), None, None)  # type: ignore[arg-type]  # the limiter alone is used
    request = _request("GET", {})
    assert identity.over_rate(request) is None
    refused = identity.over_rate(request)
    assert refused is not None
    assert (429, "text/html") == (refused.status_code, refused.media_type)
    assert int(refused.headers["retry-after"]) >= 1

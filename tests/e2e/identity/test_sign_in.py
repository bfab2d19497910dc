"""Signing in with OpenID Connect against a real provider process, sessions, CSRF, sign-out."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.e2e.identity.conftest import SignIn, cookie_of
from tests.e2e.intake.helpers import problem
from tests.e2e.intake.rows import escalation_row, insert

pytestmark = pytest.mark.e2e


def _audit(sign_in: SignIn, **params: str) -> list[dict[str, Any]]:
    with sign_in.intake.client() as admin:
        answer = admin.get("/v1/audit", params={"limit": "500", **params})
    assert 200 == answer.status_code, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def _session_cookie(browser: httpx.Client) -> str:
    value = browser.cookies.get("esc_session")
    assert value, "the browser holds a session cookie"
    return str(value)


def test_a_person_signs_in_and_acts_as_themselves(sign_in: SignIn) -> None:
    """The provider's verified e-mail signs its person in; the cookie acts as that person."""
    subject = sign_in.provider.user("Aoife@Example.com")
    browser = sign_in.browser()
    answer = sign_in.through_provider(browser, subject)
    assert (303, "/v1/me") == (answer.status_code, answer.headers["location"])
    cookie = cookie_of(answer, "esc_session").lower()
    assert {"httponly", "samesite=lax", "path=/"} <= {p.strip() for p in cookie.split(";")}
    assert "secure" not in cookie  # served over http here; Secure under https
    me = browser.get("/v1/me").json()
    assert ("aoife", "aoife") == (me["person"], me["actor"])
    assert me["csrf_token"]
    assert me["session_expires_at"]
    row = escalation_row(owner="aoife")
    insert(sign_in.intake.database_url, row)
    acked = browser.post(
        f"/v1/escalations/{row.id}/acknowledge",
        json={},
        headers={"X-CSRF-Token": me["csrf_token"]},
    )
    assert 202 == acked.status_code, acked.text
    (event,) = sign_in.intake.events(row.id)
    assert "aoife" == event["data"]["by"]
    entries = _audit(sign_in, actor="aoife", action="sign_in.succeeded")
    assert {"method": "oidc"} in [e["detail"] for e in entries]


@pytest.mark.parametrize(
    ("asked", "landed"),
    [
        ("/console?tier=P0&q=a+b", "/console?tier=P0&q=a+b"),
        ("/console/escalations/abc", "/console/escalations/abc"),
        ("https://evil.example/console", "/v1/me"),
        ("//evil.example/console", "/v1/me"),
        ("/console//evil.example", "/v1/me"),
        ("/v1/audit", "/v1/me"),
    ],
)
def test_a_sign_in_returns_to_the_console_page_it_was_asked_for(
    sign_in: SignIn, asked: str, landed: str
) -> None:
    """`next` is followed only to a console page; anything else ends at the default."""
    subject = sign_in.provider.user("liam@example.com")
    answer = sign_in.through_provider(sign_in.browser(), subject, {"next": asked})
    assert (303, landed) == (answer.status_code, answer.headers["location"])


def test_a_cookie_write_without_the_csrf_token_is_refused(sign_in: SignIn) -> None:
    """A write signed in by cookie needs X-CSRF-Token equal to the session's token (403)."""
    browser = sign_in.signed_in(sign_in.provider.user("sean@example.com"))
    row = escalation_row(owner="sean")
    insert(sign_in.intake.database_url, row)
    path = f"/v1/escalations/{row.id}/acknowledge"
    assert "X-CSRF-Token" in problem(browser.post(path, json={}), 403)["detail"]
    problem(browser.post(path, json={}, headers={"X-CSRF-Token": "guessed"}), 403)
    assert [] == sign_in.intake.events(row.id)
    assert 200 == browser.get(f"/v1/escalations/{row.id}").status_code  # reads need none


def test_sign_out_ends_the_session(sign_in: SignIn) -> None:
    """Sign-out needs the CSRF token, deletes the session and clears the cookie; audited."""
    browser = sign_in.signed_in(sign_in.provider.user("niamh@example.com"))
    cookie = _session_cookie(browser)
    token = browser.get("/v1/me").json()["csrf_token"]
    problem(browser.post("/v1/auth/sign-out"), 403)
    answer = browser.post("/v1/auth/sign-out", headers={"X-CSRF-Token": token})
    assert 204 == answer.status_code, answer.text
    assert 'esc_session=""' in cookie_of(answer, "esc_session")
    with httpx.Client(base_url=sign_in.intake.base_url) as stale:
        answer = stale.get("/v1/me", headers={"Cookie": f"esc_session={cookie}"})
    assert "sign in again" in problem(answer, 401)["detail"]
    assert _audit(sign_in, actor="niamh", action="sign_out")


def test_an_unknown_email_gets_a_clear_page_and_no_session(sign_in: SignIn) -> None:
    """A verified address of nobody configured is refused (403 HTML, escaped) and audited."""
    subject = sign_in.provider.user("<b>mallory</b>@example.org", subject="mallory")
    browser = sign_in.browser()
    answer = sign_in.through_provider(browser, subject)
    assert 403 == answer.status_code
    assert answer.headers["content-type"].startswith("text/html")
    assert "&lt;b&gt;mallory&lt;/b&gt;@example.org is not the sign-in address" in answer.text
    assert "<b>mallory" not in answer.text
    assert browser.cookies.get("esc_session") is None
    problem(browser.get("/v1/me"), 401)
    refused = _audit(sign_in, action="sign_in.refused")
    assert any(e["detail"].get("email") == "<b>mallory</b>@example.org" for e in refused)


def test_an_unverified_email_is_refused(sign_in: SignIn) -> None:
    """An address the provider has not verified signs nobody in, even a configured one."""
    subject = sign_in.provider.user("orla@example.com", verified=False, subject="orla-unverified")
    answer = sign_in.through_provider(sign_in.browser(), subject)
    assert 403 == answer.status_code
    assert "has not verified the address orla@example.com" in answer.text


def test_a_callback_is_bound_to_its_browser_and_used_once(sign_in: SignIn) -> None:
    """Another browser cannot finish someone's sign-in, and a callback cannot be replayed."""
    subject = sign_in.provider.user("darragh@example.com")
    starter, other = sign_in.browser(), sign_in.browser()
    started = starter.get("/v1/auth/sign-in")
    authorize = started.headers["location"]
    callback = httpx.post(authorize, data={"sub": subject}).headers["location"]
    assert 403 == other.get(callback).status_code  # not started in this browser
    assert 303 == starter.get(callback).status_code
    starter.cookies.set("esc_sign_in", started.cookies["esc_sign_in"], path="/v1/auth")
    replay = starter.get(callback)
    assert (403, True) == (replay.status_code, "expired or was already used" in replay.text)


def test_a_source_key_asks_who_it_is(sign_in: SignIn) -> None:
    """GET /v1/me with an API key answers the source's actor and no person or session."""
    with sign_in.intake.client() as admin:
        me = admin.get("/v1/me").json()
    assert ("system:admin", None, None) == (me["actor"], me["person"], me["csrf_token"])


def test_a_provider_that_is_down_gets_a_clear_503(short_lived: SignIn) -> None:
    """With the provider unreachable, sign-in answers a 503 page with Retry-After."""
    with short_lived.browser() as browser:
        answer = browser.get("/v1/auth/sign-in")
    assert (503, "text/html") == (
        answer.status_code,
        answer.headers["content-type"].split(";")[0],
    )
    assert "cannot be reached" in answer.text
    assert answer.headers["retry-after"]


def test_a_session_expires(short_lived: SignIn) -> None:
    """A session lasts INTAKE_SESSION_TTL_SECONDS; after that its cookie is a 401."""
    browser = short_lived.browser()
    assert 303 == browser.get(short_lived.local_link("ciaran")).status_code
    cookie = _session_cookie(browser)
    assert "ciaran" == browser.get("/v1/me").json()["person"]
    time.sleep(2.5)
    with httpx.Client(base_url=short_lived.intake.base_url) as stale:
        answer = stale.get("/v1/me", headers={"Cookie": f"esc_session={cookie}"})
    assert "expired" in problem(answer, 401)["detail"]

"""A real OpenID Connect provider process on loopback, and intakes that sign people in with it.

The provider is ``oidc-provider-mock`` (a dev dependency): its login form signs in whichever
subject is typed, with the claims the test gave that subject (``PUT /users/<sub>``).
"""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from devstack import services
from devstack.ports import free_ports
from devstack.procs import spawn
from devstack.stack import Stack
from escalations.db.engine import make_engine, make_sessions
from escalations_intake.identity.local import issue_links
from tests.e2e.intake.conftest import Intake, own_kafka, start_intake

CLIENT_ID = "escalations-tests"
CLIENT_SECRET = "client-secret-of-the-tests"


@dataclass
class Provider:
    """The provider process and its issuer URL."""

    url: str
    process: services.Process | None

    def user(self, email: str, *, verified: bool = True, subject: str | None = None) -> str:
        """Give a subject (default ``email``) these claims; return the subject for the form."""
        sub = subject or email
        claims = {"email": email, "email_verified": verified, "name": sub}
        answer = httpx.put(f"{self.url}/users/{quote(sub, safe='')}", json=claims, timeout=10)
        assert 204 == answer.status_code, answer.text
        return sub


@dataclass
class SignIn:
    """An intake with sign-in on, its provider, and a browser's way through both."""

    intake: Intake
    provider: Provider

    def browser(self) -> httpx.Client:
        """Return a cookie-keeping client of the intake with no API key (a browser)."""
        return httpx.Client(base_url=self.intake.base_url, timeout=15)

    def through_provider(
        self, browser: httpx.Client, subject: str, params: Mapping[str, str] = {}
    ) -> httpx.Response:
        """Start a sign-in, submit the provider's form as ``subject``; answer the callback's."""
        started = browser.get("/v1/auth/sign-in", params=params)
        assert 302 == started.status_code, started.text
        authorize = started.headers["location"]
        form = httpx.get(authorize, timeout=10)
        assert 200 == form.status_code, form.text
        assert 'name="sub"' in form.text, form.text
        decided = httpx.post(authorize, data={"sub": subject}, timeout=10)
        assert decided.status_code in (302, 303), decided.text
        return browser.get(decided.headers["location"])

    def signed_in(self, subject: str) -> httpx.Client:
        """Return a browser signed in as ``subject`` (already known to the provider)."""
        browser = self.browser()
        answer = self.through_provider(browser, subject)
        assert 303 == answer.status_code, answer.text
        return browser

    def local_link(self, person: str) -> str:
        """Issue a one-time local sign-in link for ``person``; return its path."""
        (token,) = asyncio.run(_links(self.intake.database_url, person)).values()
        return f"/v1/auth/local/{token}"


async def _links(database_url: str, person: str) -> dict[str, str]:
    engine = make_engine(database_url, pool_size=1)
    try:
        return await issue_links(make_sessions(engine), [person], datetime.now(UTC))
    finally:
        await engine.dispose()


def start_provider(folder: Path) -> Provider:
    """Start the provider on a free loopback port, nonce required; wait until it answers."""
    (port,) = free_ports(1)
    url = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "oidc_provider_mock", "--port", str(port), "--require-nonce"]
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "provider.log"
    popen = spawn(argv, log=log, cwd=folder, death_signal=signal.SIGTERM)
    process = services.Process("provider", popen, log, f"{url}/.well-known/openid-configuration")
    services.wait_ready([process])
    return Provider(url, process)


def start_sign_in_intake(
    stack: Stack, kafka: Stack, folder: Path, issuer: str, extra: Mapping[str, str] = {}
) -> Intake:
    """Start an intake (two workers) that signs people in with ``issuer``; local sign-in on."""
    (port,) = free_ports(1)
    sign_in = {
        "INTAKE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "INTAKE_OIDC_ISSUER": issuer,
        "INTAKE_OIDC_CLIENT_ID": CLIENT_ID,
        "INTAKE_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "INTAKE_LOCAL_SIGN_IN": "true",
        "INTAKE_SIGN_IN_RATE_PER_MINUTE": "600",
    }
    return start_intake(stack, kafka, folder, {**sign_in, **extra}, port=port)


@pytest.fixture(scope="package")
def kafka() -> Iterator[Stack]:
    """A broker of this package's own: the intakes here publish commands nobody consumes."""
    started = own_kafka()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="package")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    """The OpenID Connect provider process."""
    running = start_provider(tmp_path_factory.mktemp("provider"))
    try:
        yield running
    finally:
        services.stop([running.process] if running.process else [])


@pytest.fixture(scope="package")
def sign_in(
    stack: Stack, kafka: Stack, provider: Provider, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SignIn]:
    """An intake signing people in with the provider, sessions lasting the default 8 hours."""
    intake = start_sign_in_intake(stack, kafka, tmp_path_factory.mktemp("intake"), provider.url)
    try:
        yield SignIn(intake, provider)
    finally:
        services.stop([intake.process])


@pytest.fixture(scope="package")
def short_lived(
    stack: Stack, kafka: Stack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SignIn]:
    """An intake whose sessions last 2 s and whose provider is down (nothing on its port)."""
    (dead,) = free_ports(1)
    down = Provider(f"http://127.0.0.1:{dead}", None)
    extra = {"INTAKE_SESSION_TTL_SECONDS": "2"}
    intake = start_sign_in_intake(stack, kafka, tmp_path_factory.mktemp("short"), down.url, extra)
    try:
        yield SignIn(intake, down)
    finally:
        services.stop([intake.process])


def cookie_of(answer: httpx.Response, name: str) -> str:
    """Return the Set-Cookie header of ``answer`` that sets ``name``."""
    found = [h for h in answer.headers.get_list("set-cookie") if re.match(rf"{name}=", h)]
    assert found, answer.headers
    return found[0]

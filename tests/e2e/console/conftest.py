"""An intake serving the console, on a broker of its own, with local sign-in on.

People reach it three ways, as browsers and wall displays do: a personal token as
``Authorization: Bearer``, a one-time local sign-in link (a session cookie), or nothing.
The people and roles are those of the demo configuration the test intake runs with
(tests/e2e/intake/test_need_to_know.py names them).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from devstack import services
from devstack.ports import free_ports
from devstack.stack import Stack
from escalations.db.engine import make_engine, make_sessions
from escalations_intake.identity.local import issue_links
from tests.e2e.intake.conftest import Intake, own_kafka, start_intake
from tests.support import person_token


@dataclass
class Console:
    """The intake serving the console, and ways in as a person."""

    intake: Intake

    def anonymous(self) -> httpx.Client:
        """Return a client with no credentials that does not follow redirects."""
        return httpx.Client(base_url=self.intake.base_url, timeout=15)

    def as_token(self, person: str) -> httpx.Client:
        """Return a client sending ``person``'s personal token as Bearer (a wall display)."""
        token = _token(self.intake.base_url, self.intake.admin_key, person)
        return self.intake.client(token)

    def signed_in(self, person: str) -> httpx.Client:
        """Return a browser signed in as ``person`` with a local link (session cookie)."""
        (token,) = asyncio.run(_links(self.intake.database_url, person)).values()
        browser = self.anonymous()
        answer = browser.get(f"/v1/auth/local/{token}")
        assert 303 == answer.status_code, answer.text
        return browser


@cache
def _token(base_url: str, admin_key: str, person: str) -> str:
    return person_token(base_url, admin_key, person)


async def _links(database_url: str, person: str) -> dict[str, str]:
    engine = make_engine(database_url, pool_size=1)
    try:
        return await issue_links(make_sessions(engine), [person], datetime.now(UTC))
    finally:
        await engine.dispose()


@pytest.fixture(scope="package")
def console(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """An intake (two workers) with local sign-in on, on its own broker."""
    kafka = own_kafka()
    try:
        (port,) = free_ports(1)
        extra = {
            "INTAKE_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "INTAKE_LOCAL_SIGN_IN": "true",
            "INTAKE_SIGN_IN_RATE_PER_MINUTE": "600",
        }
        running = start_intake(stack, kafka, tmp_path_factory.mktemp("console"), extra, port)
        try:
            yield Console(running)
        finally:
            services.stop([running.process])
    finally:
        kafka.stop()


def a_team() -> str:
    """Return a team name of one test only, so its rows are the only ones of that team."""
    return f"con-{uuid.uuid4().hex[:8]}"


class Page(HTMLParser):
    """A parsed console page: its elements with attributes, and the text of each tag."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Record each element with its attributes."""
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        """Record the text between tags."""
        self.texts.append(data)

    def all(self, tag: str, **wanted: str) -> list[dict[str, str | None]]:
        """Return the attributes of every ``tag`` element having the ``wanted`` ones.

        A wanted value ``""`` asks only that the attribute be there (``selected``).
        """
        return [
            attrs
            for name, attrs in self.elements
            if name == tag and all(_has(attrs, k.replace("_", "-"), v) for k, v in wanted.items())
        ]

    def row_ids(self) -> list[Any]:
        """Return the escalation ids of the queue's rows, top to bottom."""
        return [attrs["data-id"] for attrs in self.all("tr") if "data-id" in attrs]


def _has(attrs: dict[str, str | None], name: str, value: str) -> bool:
    if name not in attrs:
        return False
    return (value == "" and not attrs[name]) or attrs[name] == value

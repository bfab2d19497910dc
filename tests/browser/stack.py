"""The product for the browser tests: inbox, intake, router and notifier with local sign-in.

Its own broker and its own database on the session's Postgres, so the queue a browser sees
holds only what these tests posted (the rest of the suite never shows up in a screenshot).
People reach it the two ways the console contract allows (docs/console.md): a personal
token as ``Authorization: Bearer`` (wall displays and tests), and a session cookie from a
one-time local sign-in link, the way ``make run`` signs people in (docs/sign-in.md).
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx

from devstack import services
from devstack.ports import free_ports
from devstack.stack import Stack
from escalations.db.engine import make_engine, make_sessions
from escalations.settings import DEMO_CONFIG
from escalations_intake.identity.local import issue_links
from tests.e2e.intake.conftest import own_kafka
from tests.support import fresh_database, person_token

DATABASE = "console_browser"
T = TypeVar("T")


def off_loop(work: Callable[[], T]) -> T:
    """Run ``work`` in a thread of its own and return its result.

    Playwright's sync API keeps an event loop running on the test thread while it is
    started, so code that calls ``asyncio.run`` (the database helpers) runs beside it.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


@dataclass
class Console:
    """Handles on the running product the browser talks to."""

    base_url: str
    admin_key: str
    database_url: str
    logs: Path
    _tokens: dict[str, str] = field(default_factory=dict)

    def token_of(self, person: str) -> str:
        """Return a personal token of ``person`` (read and act), created once per session."""
        if person not in self._tokens:
            self._tokens[person] = person_token(self.base_url, self.admin_key, person)
        return self._tokens[person]

    def sign_in_link(self, person: str) -> str:
        """Issue a one-time local sign-in link for ``person``; return its absolute URL."""
        (token,) = off_loop(lambda: asyncio.run(_links(self.database_url, person))).values()
        return f"{self.base_url}/v1/auth/local/{token}"

    def post_escalation(self, **fields: Any) -> dict[str, Any]:
        """Report an escalation with the admin key (a P0-looking threat unless overridden).

        Returns the API's 202 body plus the ``external_id`` and ``title`` that were sent.
        """
        body = threat(**fields)
        headers = {"Authorization": f"Bearer {self.admin_key}"}
        with httpx.Client(base_url=self.base_url, headers=headers, timeout=15) as client:
            answer = client.post("/v1/escalations", json=body)
        assert 202 == answer.status_code, answer.text
        return {**answer.json(), "external_id": body["external_id"], "title": body["title"]}

    def escalation(self, esc_id: str, person: str = "aoife") -> dict[str, Any] | None:
        """Return the escalation as ``person`` reads it over the API, or None while unknown."""
        headers = {"Authorization": f"Bearer {self.token_of(person)}"}
        with httpx.Client(base_url=self.base_url, headers=headers, timeout=15) as client:
            answer = client.get(f"/v1/escalations/{esc_id}")
        if answer.status_code == 404:
            return None
        assert 200 == answer.status_code, answer.text
        found: dict[str, Any] = answer.json()
        return found


def threat(**extra: Any) -> dict[str, Any]:
    """Return the body of a credible, imminent threat report with a fresh external id."""
    return {
        "external_id": f"BROWSER-{uuid.uuid4().hex[:12]}",
        "title": "Credible threat naming a school and a time",
        "description": "User posted a threat against a named school for Friday 9am",
        "policy_area": "violent_threat",
        "region": "IE",
        "language": "en",
        "signals": {"imminence": "imminent_specific"},
        "content_refs": [{"kind": "pin", "id": "111", "url": "https://example.com/pin/111"}],
        **extra,
    }


async def _links(database_url: str, person: str) -> dict[str, str]:
    engine = make_engine(database_url, pool_size=1)
    try:
        return await issue_links(make_sessions(engine), [person], datetime.now(UTC))
    finally:
        await engine.dispose()


@contextmanager
def running_console(stack: Stack, folder: Path) -> Iterator[Console]:
    """Start the inbox and the three services on a broker and a database of their own."""
    assert stack.database_url is not None
    base = stack.database_url
    database_url = off_loop(lambda: fresh_database(base, DATABASE))
    kafka = own_kafka()
    procs: list[services.Process] = []
    try:
        intake, router, notifier, inbox = free_ports(4)
        ports = services.Ports(intake, router, notifier, inbox)
        base_url = f"http://127.0.0.1:{intake}"
        config = folder / "config.yaml"
        config.write_text(
            DEMO_CONFIG.read_text().replace("http://127.0.0.1:8083/", f"http://127.0.0.1:{inbox}/")
        )
        admin_key = "esk_" + secrets.token_urlsafe(32)
        env = services.service_env(
            {
                "PATH": "/usr/bin:/bin",
                **kafka.env(),
                "DATABASE_URL": database_url,
                "ESCALATIONS_CONFIG": str(config),
                "ESCALATIONS_BOOTSTRAP_KEY": admin_key,
                "NOTIFIER_WEBHOOK_SECRET": secrets.token_urlsafe(24),
                "ESCALATIONS_LINK_SECRET": secrets.token_urlsafe(24),
                "INTAKE_LOCAL_SIGN_IN": "true",
                "INTAKE_PUBLIC_URL": base_url,
            },
            ports,
        )
        logs = folder / "logs"
        procs.append(services.start_inbox(env, inbox, logs, folder / "inbox.jsonl"))
        procs.extend(services.start(env, ports, logs))
        services.wait_ready(procs)
        yield Console(base_url, admin_key, database_url, logs)
    finally:
        services.stop(procs)
        kafka.stop()

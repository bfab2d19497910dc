"""Notifier processes of their own, against local HTTP and SMTP receivers (no router needed)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from devstack.stack import Stack

from .harness import WEBHOOK_SECRET, NotifierUnderTest, notifier, person, team
from .receivers import HttpReceiver, SmtpReceiver, self_signed

SMTP_USER, SMTP_PASSWORD = "notifier", "smtp-password-not-in-errors"


@dataclass
class Desk:
    """The main notifier under test and its receivers."""

    notifier: NotifierUnderTest
    http: HttpReceiver
    flaky: HttpReceiver
    dead: HttpReceiver
    smtp: SmtpReceiver


def _quiet_window(now: datetime) -> dict[str, str]:
    """Quiet hours (UTC) around ``now``, so the test runs inside them."""
    start, end = now - timedelta(hours=1), now + timedelta(hours=2)
    return {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}


@pytest.fixture(scope="package")
def desk(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    """A notifier for people reachable by every channel, plus a flaky and a dead receiver."""
    folder: Path = tmp_path_factory.mktemp("notifier-desk")
    secret = WEBHOOK_SECRET.encode()
    http, flaky, dead = (HttpReceiver(secret).start() for _ in range(3))
    cert, tls = self_signed(folder)
    smtp = SmtpReceiver(SMTP_USER, SMTP_PASSWORD, tls).start()
    config = {
        "people": [
            person("n-ana", contacts={
                "email": "ana@example.com", "pagerduty": "R0UTE-ANA",
                "slack": http.url("/slack/ana"), "teams": http.url("/teams/ana"),
                "webhook": http.url("/hook/ana")}),
            person("n-lee",
                   contacts={"email": "lee@example.com", "webhook": http.url("/hook/lee")}),
            person("n-quiet", quiet_hours=_quiet_window(datetime.now(UTC)),
                   contacts={"email": "quiet@example.com", "webhook": http.url("/hook/quiet")}),
            person("n-flaky", contacts={"webhook": flaky.url("/hook/flaky")}),
            person("n-dead", contacts={"webhook": dead.url("/hook/dead")}),
        ],
        "teams": [team("desk", "n-lee", ["n-ana", "n-lee", "n-quiet"],
                       {"slack": http.url("/slack/desk"), "teams": http.url("/teams/desk")})],
    }  # fmt: skip
    env = {
        "NOTIFIER_SMTP_HOST": "127.0.0.1",
        "NOTIFIER_SMTP_PORT": str(smtp.port),
        "NOTIFIER_SMTP_STARTTLS": "true",
        "NOTIFIER_SMTP_USERNAME": SMTP_USER,
        "NOTIFIER_SMTP_PASSWORD": SMTP_PASSWORD,
        "NOTIFIER_SMTP_CA_FILE": str(cert),
        "NOTIFIER_SMTP_FROM": "Escalations <desk@example.org>",
        "NOTIFIER_PAGERDUTY_URL": http.url("/pd/v2/enqueue"),
        "NOTIFIER_MAX_ATTEMPTS": "6",
        "NOTIFIER_BREAKER_FAILURES": "1000",
    }
    try:
        with notifier(stack, folder, "desk", config, env) as under_test:
            yield Desk(under_test, http, flaky, dead, smtp)
    finally:
        for receiver in (http, flaky, dead):
            receiver.stop()
        smtp.stop()

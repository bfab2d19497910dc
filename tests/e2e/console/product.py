"""The whole product behind the console: intake, router, notifier and an inbox.

For the console tests that need the router to apply what a form sent (the history, the
owner) and the notifier to fill its ledger (the deliveries). A broker and a database of
their own, so nothing else of the suite shows up; local sign-in on, the demo configuration
with its webhooks pointed at the inbox.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from devstack import services
from devstack.ports import free_ports
from devstack.stack import Stack
from escalations.settings import DEMO_CONFIG
from tests.e2e.console.conftest import Console
from tests.e2e.intake.conftest import Intake, own_kafka
from tests.support import fresh_database

DATABASE = "console_escalation_e2e"


@contextmanager
def running_product(stack: Stack, folder: Path) -> Iterator[Console]:
    """Start the inbox and the three services on a broker and a database of their own."""
    assert stack.database_url is not None
    database_url = fresh_database(stack.database_url, DATABASE)
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
        link_secret = secrets.token_urlsafe(24)
        env = services.service_env(
            {
                "PATH": "/usr/bin:/bin",
                **kafka.env(),
                "DATABASE_URL": database_url,
                "ESCALATIONS_CONFIG": str(config),
                "ESCALATIONS_BOOTSTRAP_KEY": admin_key,
                "NOTIFIER_WEBHOOK_SECRET": secrets.token_urlsafe(24),
                "ESCALATIONS_LINK_SECRET": link_secret,
                "INTAKE_LOCAL_SIGN_IN": "true",
                "INTAKE_PUBLIC_URL": base_url,
            },
            ports,
        )
        logs = folder / "logs"
        procs.append(services.start_inbox(env, inbox, logs, folder / "inbox.jsonl"))
        procs.extend(services.start(env, ports, logs))
        services.wait_ready(procs)
        running = Intake(base_url, admin_key, link_secret, database_url, kafka, logs, procs[1])
        yield Console(running)
    finally:
        services.stop(procs)
        kafka.stop()

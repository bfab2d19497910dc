"""The whole product as real processes: inbox, intake, router and notifier on free ports."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from devstack import services
from devstack.ports import free_ports
from devstack.stack import Stack
from escalations.settings import DEMO_CONFIG
from tests.support import wait_for

__all__ = ["Live", "live", "wait_for"]


@dataclass
class Live:
    """Handles on the running product."""

    base_url: str
    admin_key: str
    webhook_secret: str
    link_secret: str
    inbox_store: Path
    router_url: str
    notifier_url: str
    stack: Stack
    logs: Path
    inbox_url: str = ""
    """The demo inbox: ``{inbox_url}/inbox/<name>`` files a delivery under ``name``."""

    def client(self, key: str | None = None) -> httpx.Client:
        """Return an HTTP client for the intake, authenticated with ``key`` (default admin)."""
        headers = {"Authorization": f"Bearer {key or self.admin_key}"}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=10)

    def notifications(self) -> list[dict[str, Any]]:
        """Return every notification the inbox received so far."""
        if not self.inbox_store.exists():
            return []
        lines = self.inbox_store.read_bytes().splitlines()
        return [orjson.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="session")
def live(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """Start the inbox and the three services against the session's Kafka and Postgres."""
    folder = tmp_path_factory.mktemp("live")
    intake, router, notifier, inbox = free_ports(4)
    ports = services.Ports(intake, router, notifier, inbox)
    config = folder / "config.yaml"
    config.write_text(
        DEMO_CONFIG.read_text().replace("http://127.0.0.1:8083/", f"http://127.0.0.1:{inbox}/")
    )
    admin_key = "esk_" + secrets.token_urlsafe(32)
    webhook_secret = secrets.token_urlsafe(24)
    link_secret = secrets.token_urlsafe(24)
    env = services.service_env(
        {
            "PATH": "/usr/bin:/bin",
            **stack.env(),
            "ESCALATIONS_CONFIG": str(config),
            "ESCALATIONS_BOOTSTRAP_KEY": admin_key,
            "NOTIFIER_WEBHOOK_SECRET": webhook_secret,
            "ESCALATIONS_LINK_SECRET": link_secret,
            "NOTIFIER_BACKOFF_BASE_SECONDS": "0.05",
            "NOTIFIER_BACKOFF_MAX_SECONDS": "0.2",
            "NOTIFIER_MAX_ATTEMPTS": "3",
        },
        ports,
    )
    logs = folder / "logs"
    store = folder / "inbox.jsonl"
    procs = [services.start_inbox(env, inbox, logs, store), *services.start(env, ports, logs)]
    try:
        services.wait_ready(procs)
        yield Live(
            f"http://127.0.0.1:{intake}",
            admin_key,
            webhook_secret,
            link_secret,
            store,
            f"http://127.0.0.1:{router}",
            f"http://127.0.0.1:{notifier}",
            stack,
            logs,
            f"http://127.0.0.1:{inbox}",
        )
    finally:
        services.stop(procs)

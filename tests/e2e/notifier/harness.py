"""Start a notifier process against local receivers; produce router events; read its state."""

from __future__ import annotations

import asyncio
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import orjson
import yaml
from pydantic import BaseModel

from devstack import services
from devstack.ports import free_ports
from devstack.procs import tail
from devstack.stack import Stack
from escalations.contracts.codec import build_event
from escalations.contracts.envelope import Envelope
from escalations.contracts.events import Deadlines, EscalationAssigned, EscalationSummary, Status
from escalations.core.escalation import ContentRef, PolicyArea, SourceKind, Tier
from escalations.kafka import make_producer, publish
from tests.support import fresh_database, query

WEBHOOK_SECRET = "e2e-webhook-secret-" + secrets.token_hex(8)
LINK_SECRET = "e2e-link-secret-" + secrets.token_hex(8)
ROUTING = {"rules": [], "default_team": "desk"}


@dataclass
class NotifierUnderTest:
    """A running notifier process and what it needs."""

    name: str
    env: dict[str, str]
    database_url: str
    folder: Path
    http_port: int
    proc: services.Process | None = None

    def start(self) -> None:
        """Start the process and wait until it is ready."""
        services.wait_ready([self.launch()])

    def launch(self) -> services.Process:
        """Start the process without waiting for it."""
        ports = services.Ports(intake=1, router=1, notifier=self.http_port, inbox=1)
        env = services.service_env(self.env, ports)
        self.proc = services.start(env, ports, self.folder / "logs", ["notifier"])[0]
        return self.proc

    def stop(self) -> None:
        """SIGTERM the process and wait."""
        if self.proc is not None:
            services.stop([self.proc])
            self.proc = None

    def kill(self) -> None:
        """SIGKILL the process: no batch is finished, no offset committed."""
        assert self.proc is not None
        self.proc.popen.kill()
        self.proc.popen.wait(10)
        self.proc = None

    def log(self) -> str:
        """Return the end of the notifier's log (its last 20 lines, for messages)."""
        return tail(self.folder / "logs" / "notifier.log")

    def whole_log(self) -> str:
        """Return the notifier's whole log (the desk's is shared by every test of the package)."""
        path = self.folder / "logs" / "notifier.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def metrics(self) -> str:
        """Return the /metrics text."""
        return httpx.get(f"http://127.0.0.1:{self.http_port}/metrics", timeout=5).text

    def rows(self, sql: str, *args: object) -> list[Any]:
        """Query this notifier's database."""
        return asyncio.run(query(self.database_url, sql, *args))

    def dlq_cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run ``python -m escalations_notifier.dlq`` against this notifier's database."""
        env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": self.database_url}
        return subprocess.run(
            [sys.executable, "-m", "escalations_notifier.dlq", *args],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip


@contextmanager
def notifier(
    stack: Stack,
    folder: Path,
    name: str,
    config: dict[str, Any],
    extra_env: dict[str, str],
) -> Iterator[NotifierUnderTest]:
    """Run a notifier with its own database, consumer group and configuration."""
    assert stack.database_url is not None
    database = fresh_database(stack.database_url, f"notifier_e2e_{name}")
    folder.mkdir(parents=True, exist_ok=True)
    config_path = folder / "config.yaml"
    config_path.write_text(yaml.safe_dump({**config, "routing": ROUTING}))
    env = {
        "PATH": "/usr/bin:/bin",
        **stack.env(),
        "DATABASE_URL": database,
        "ESCALATIONS_CONFIG": str(config_path),
        "ESCALATIONS_PUBLIC_URL": "https://escalations.example.org",
        "ESCALATIONS_LINK_SECRET": LINK_SECRET,
        "NOTIFIER_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "NOTIFIER_GROUP_ID": f"notifier-e2e-{name}-{uuid4().hex[:8]}",
        "NOTIFIER_BACKOFF_BASE_SECONDS": "0.02",
        "NOTIFIER_BACKOFF_MAX_SECONDS": "0.1",
        "NOTIFIER_REQUEST_TIMEOUT_SECONDS": "1",
        "NOTIFIER_INLINE_RETRY_SECONDS": "1",
        "NOTIFIER_LEASE_SECONDS": "4",
        "NOTIFIER_RETRY_POLL_SECONDS": "0.1",
        **extra_env,
    }
    under_test = NotifierUnderTest(name, env, database, folder, free_ports(1)[0])
    under_test.start()
    try:
        yield under_test
    finally:
        under_test.stop()


def person(pid: str, timezone: str = "UTC", **fields: Any) -> dict[str, Any]:
    """Return a person entry of the configuration."""
    return {"id": pid, "name": pid.replace("-", " ").title(), "timezone": timezone, **fields}


def team(
    tid: str, lead: str, members: Sequence[str], chat: dict[str, str] | None = None
) -> dict[str, Any]:
    """Return a team entry with a trivial weekly schedule."""
    layer = {"name": "all", "rotation": "weekly", "handoff": "09:00", "timezone": "UTC",
             "start": "2026-01-05", "members": list(members)}  # fmt: skip
    return {"id": tid, "name": tid.title(), "lead": lead, "schedule": {"layers": [layer]},
            **({"chat": chat} if chat else {})}  # fmt: skip


def summary(
    owner: str,
    tier: Tier = Tier.P1,
    area: PolicyArea = PolicyArea.VIOLENT_THREAT,
    sensitive: bool = False,
    team_id: str = "desk",
    escalation_id: str | None = None,
) -> EscalationSummary:
    """Return a fresh escalation summary as the router would send it."""
    now = datetime.now(UTC)
    return EscalationSummary(
        id=escalation_id or str(uuid4()),
        title="Threat against a school",
        description="SECRET-DESCRIPTION of the reported content",
        policy_area=area,
        sensitive=sensitive,
        tier=tier,
        score=80,
        status=Status.ASSIGNED,
        team=team_id,
        owner=owner,
        source="trust-desk",
        source_kind=SourceKind.INTERNAL_TOOL,
        content_refs=(
            ContentRef(kind="pin", id="CONTENT-ID-4242", url="https://example.com/pin/4242"),
        ),
        deadlines=Deadlines(
            acknowledge_by=now + timedelta(minutes=15), resolve_by=now + timedelta(hours=4)
        ),
        created_at=now,
    )


def assigned(owner: str, **kwargs: Any) -> EscalationAssigned:
    """Return an assignment of a fresh escalation to ``owner``."""
    return EscalationAssigned(escalation=summary(owner, **kwargs), owner=owner, team="desk")


def envelope(payload: BaseModel) -> Envelope:
    """Wrap a payload as the router's relay does, stamped now."""
    subject = payload.escalation.id  # type: ignore[attr-defined]
    return build_event(payload, subject=subject, source="/router", time=datetime.now(UTC))


def produce(stack: Stack, *payloads: BaseModel) -> list[Envelope]:
    """Publish router events to escalations.events.v1; return their envelopes."""
    envelopes = [envelope(p) for p in payloads]

    async def send() -> None:
        assert stack.kafka_bootstrap is not None
        producer = make_producer(stack.kafka_bootstrap, "notifier-e2e")
        await producer.start()
        try:
            for e in envelopes:
                await publish(producer, e)
        finally:
            await producer.stop()

    asyncio.run(send())
    return envelopes


def dlq_records(stack: Stack, event_id: str, timeout: float = 10.0) -> list[dict[str, Any]]:
    """Read notifications.dlq.v1 from the start; return the records of one event."""
    from aiokafka import AIOKafkaConsumer

    async def read() -> list[dict[str, Any]]:
        consumer = AIOKafkaConsumer(
            "notifications.dlq.v1", bootstrap_servers=stack.kafka_bootstrap,
            auto_offset_reset="earliest", enable_auto_commit=False, group_id=None,
        )  # fmt: skip
        await consumer.start()
        try:
            found: list[dict[str, Any]] = []
            deadline = time.monotonic() + timeout
            while not found and time.monotonic() < deadline:
                batch = await consumer.getmany(timeout_ms=500)
                for records in batch.values():
                    found += [
                        r
                        for r in (orjson.loads(x.value) for x in records)
                        if r["event_id"] == event_id
                    ]
            return found
        finally:
            await consumer.stop()

    return asyncio.run(read())

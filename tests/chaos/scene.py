"""One fault-injection scene: the three services as processes on a Kafka and Postgres of its
own, a webhook receiver every notification goes to, and the means to kill and restart.

Each scene starts its own servers, so what it crashes never touches the session's stack.
Processes keep their port across a restart, as a pod or a supervised process would, so a
restarted notifier is the same instance (``NOTIFIER_INSTANCE_ID`` defaults to host and port)
and a restarted router the same static group member (``ROUTER_INSTANCE_ID``).
"""

from __future__ import annotations

import asyncio
import secrets
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from devstack import services
from devstack.cluster import KafkaCluster
from devstack.ports import free_ports
from devstack.stack import Stack
from tests.chaos.load import Load
from tests.chaos.verdict import (
    Delivery,
    Figures,
    drained_after,
    duplicates,
    first_arrivals,
    header,
)
from tests.e2e.notifier.harness import person, team
from tests.e2e.notifier.receivers import HttpReceiver
from tests.support import query

ASSIGNED = "escalation.assigned"
# Per scenario: a few hundred escalations at 100/s keep the suite at a few minutes.
COUNT, RATE = 300, 100.0
# Deliveries resume within this many seconds of a notifier or an endpoint being back.
RECOVERY_TARGET_S = 5.0
PEOPLE = ("chaos-ana", "chaos-ben")
SETTLE_TIMEOUT_S = 90.0
# Names the notifier's webhook channel uses (services/notifier/.../channels/base.py, webhook.py).
REDELIVERY_HEADER = "X-Escalation-Redelivery"
ESCALATION_HEADER = "X-Escalation-Id"
EVENT_HEADER = "X-Escalation-Event-Id"


def config_text(receiver: HttpReceiver) -> str:
    """Return a configuration with one team whose people are reached by webhook only."""
    people = [
        person(pid, skills=["spam"], languages=["en"],
               contacts={"webhook": receiver.url(f"/hook/{pid}")})
        for pid in PEOPLE
    ]  # fmt: skip
    config = {
        "people": people,
        "teams": [team("chaos", PEOPLE[0], list(PEOPLE))],
        "routing": {"rules": [], "default_team": "chaos"},
    }
    return yaml.safe_dump(config)


@dataclass
class Scene:
    """The processes of one scenario and what they talk to."""

    name: str
    folder: Path
    infra: Mapping[str, str]
    database_url: str
    receiver: HttpReceiver
    stack: Stack | None = None
    cluster: KafkaCluster | None = None
    admin_key: str = field(default_factory=lambda: "esk_" + secrets.token_urlsafe(32))
    procs: dict[str, services.Process] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        """Return the environment every service of the scene gets."""
        config = self.folder / "config.yaml"
        if not config.exists():
            config.write_text(config_text(self.receiver))
        return {
            "PATH": "/usr/bin:/bin",
            **self.infra,
            "DATABASE_URL": self.database_url,
            "ESCALATIONS_CONFIG": str(config),
            "ESCALATIONS_BOOTSTRAP_KEY": self.admin_key,
            "ESCALATIONS_LINK_SECRET": "chaos-link-secret-" + self.name,
            "NOTIFIER_WEBHOOK_SECRET": self.receiver.secret.decode(),
            "INTAKE_RATE_LIMIT_PER_SECOND": "2000",
            "ROUTER_SESSION_TIMEOUT_MS": "6000",
            "ROUTER_TIMER_INTERVAL_SECONDS": "0.5",
        }

    def start(self, name: str, kind: str, *, wait: bool = True) -> services.Process:
        """Start service ``kind`` as process ``name`` (on its earlier port after a kill)."""
        port = self.ports.setdefault(name, free_ports(1)[0])
        self.kinds[name] = kind
        ports = services.Ports(intake=port, router=port, notifier=port, inbox=1)
        extra = {"ROUTER_INSTANCE_ID": name} if kind == "router" else {}
        env = services.service_env({**self.env(), **extra}, ports)
        (proc,) = services.start(env, ports, self.folder / name, names=[kind])
        self.procs[name] = proc
        if wait:
            self.wait_ready(name)
        return proc

    def wait_ready(self, name: str) -> None:
        """Wait until process ``name`` answers its readiness check."""
        services.wait_ready([self.procs[name]], timeout=90)

    def start_all(self) -> None:
        """Start an intake, a router and a notifier, and wait until all are ready."""
        for name in ("intake", "router", "notifier"):
            self.start(name, name, wait=False)
        services.wait_ready(list(self.procs.values()), timeout=90)

    def kill(self, name: str) -> None:
        """SIGKILL process ``name`` (no shutdown of any kind) and wait for it to exit."""
        proc = self.procs.pop(name)
        proc.popen.send_signal(signal.SIGKILL)
        proc.popen.wait(30)

    def restart(self, name: str) -> float:
        """Start a killed process again on its port; return when it was ready (monotonic)."""
        self.start(name, self.kinds[name])
        return time.monotonic()

    def stop_all(self) -> None:
        """Stop every process the scene started."""
        services.stop(list(self.procs.values()))
        self.procs.clear()

    @property
    def intake_url(self) -> str:
        """Return the intake's base URL."""
        return f"http://127.0.0.1:{self.ports['intake']}"

    def load(self, count: int, rate: float) -> Load:
        """Return a load generator for this scene's intake (not started)."""
        return Load(self.intake_url, self.admin_key, count, rate, f"{self.name}-{time.time_ns()}")

    def stored(self, ids: list[str]) -> int:
        """Return how many of the escalation ids the router has stored."""
        sql = "SELECT count(*) AS n FROM escalations WHERE id = ANY($1)"
        return int(asyncio.run(query(self.database_url, sql, ids))[0]["n"])

    def deliveries(self) -> list[Delivery]:
        """Return every notification the receiver accepted, with its headers read."""
        out = []
        for path in (f"/hook/{pid}" for pid in PEOPLE):
            for request in self.receiver.received(path):
                assert request.signed, f"an unsigned or badly signed webhook: {request.headers}"
                out.append(Delivery(
                    escalation_id=header(request.headers, ESCALATION_HEADER) or "",
                    event_id=header(request.headers, EVENT_HEADER) or "",
                    event_type=str(request.json().get("event", "")),
                    path=path,
                    redelivery=header(request.headers, REDELIVERY_HEADER) is not None,
                    at=request.at,
                ))  # fmt: skip
        return out

    def logs(self) -> str:
        """Return the tail of every process log, for a failure message."""
        parts = []
        for log in sorted(self.folder.glob("*/*.log")):
            lines = log.read_text(errors="replace").splitlines()[-15:]
            parts.append(f"--- {log.relative_to(self.folder)}\n" + "\n".join(lines))
        return "\n".join(parts)

    def ledger(self) -> str:
        """Return the notifier ledger's rows that are not sent, for a failure message."""
        sql = (
            "SELECT status, attempts, redeliveries, owner, last_error FROM deliveries "
            "WHERE status <> 'sent' ORDER BY status LIMIT 20"
        )
        rows = asyncio.run(query(self.database_url, sql))
        return "ledger rows not sent: " + ("; ".join(str(dict(r)) for r in rows) or "none")

    def settle(self, *loads: Load, recovery_s: float | None = None) -> Figures:
        """Wait until every accepted escalation is stored and notified (or time runs out)."""
        accepted = sorted({i for load in loads for i in load.accepted()})
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        while True:
            arrivals = first_arrivals(self.deliveries(), ASSIGNED)
            stored = self.stored(accepted)
            done = stored == len(accepted) and set(accepted) <= set(arrivals)
            if done or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        time.sleep(1.0)  # late duplicates show up too
        deliveries = self.deliveries()
        marked, unmarked = duplicates(deliveries)
        delivered = len(set(accepted) & set(first_arrivals(deliveries, ASSIGNED)))
        sent = sum(load.count for load in loads)
        refused = sum(load.statuses().get(503, 0) for load in loads)
        return Figures(
            self.name, sent, len(accepted), refused, stored, delivered, marked, unmarked,
            recovery_s,
        )  # fmt: skip

    def recovery(self, waiting: list[str], back_at: float) -> float | None:
        """Return the seconds from ``back_at`` until every waiting escalation was notified."""
        try:
            return drained_after(waiting, first_arrivals(self.deliveries(), ASSIGNED), back_at)
        except ValueError:
            return None  # some never arrived: `check` names the loss


def check(figures: Figures, scene: Scene, *loads: Load, resends: bool = False) -> None:
    """Assert the issue's promises: nothing accepted lost, duplicates only marked re-sends.

    ``resends`` says whether a notifier was killed: only then may a send's outcome be
    unknown, so only then may a message arrive twice (marked). Otherwise none may.
    """
    print(figures.line())
    context = f"{figures.line()}\n{scene.ledger()}\n{scene.logs()}"
    assert [] == [error for load in loads for error in load.errors()], context
    assert figures.accepted == figures.stored, context
    assert figures.accepted == figures.delivered, context
    assert 0 == figures.unmarked, context
    if not resends:
        assert 0 == figures.marked, context

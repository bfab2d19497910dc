"""`make run`: the whole product on this machine, with a demo configuration.

Starts Kafka and Postgres (or uses KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL), creates the
topics, migrates the schema, creates demo API keys and one-time local sign-in links (one per
person of the configuration), starts the demo inbox and the three services, prints where to
look, and on Ctrl-C (or SIGTERM) stops everything it started.
Its Postgres is durable (fsync on): what the API accepted survives a crash. A service,
the broker or Postgres that dies is started again with backoff, on the same data and ports.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from devstack import services
from devstack.procs import DevstackError
from devstack.stack import Stack, start_stack
from devstack.supervise import Supervisor
from escalations.contracts.topics import TOPICS
from escalations.core.config import load_config
from escalations.core.escalation import SourceKind
from escalations.db.engine import make_engine, make_sessions
from escalations.db.migrate import upgrade
from escalations.settings import DEMO_CONFIG
from escalations_intake.auth import Scope, new_key, store_key
from escalations_intake.db import source_callbacks
from escalations_intake.identity.local import LINK_TTL, issue_links, link

RUN_DIR = Path(".run")
DEMO_INBOX_PORT = 8083  # where the shipped demo config sends every webhook
LEGAL_CALLBACK = "legal-status"  # the inbox name of the legal source's status callback
DEMO_SOURCES = (
    ("legal", SourceKind.LEGAL, frozenset(Scope)),
    ("moderation-tool", SourceKind.INTERNAL_TOOL, frozenset({Scope.WRITE, Scope.READ})),
    ("press-desk", SourceKind.PRESS, frozenset({Scope.WRITE, Scope.READ})),
)


async def _demo_keys(database_url: str, inbox_port: int) -> dict[str, str]:
    engine = make_engine(database_url, pool_size=1)
    try:
        keys = {}
        for source, kind, scopes in DEMO_SOURCES:
            key = new_key()
            await store_key(
                make_sessions(engine), key, source=source, source_kind=kind, scopes=scopes,
                description="demo key created by make run",
            )  # fmt: skip
            keys[source] = key
        # The legal source hears back on its own status callback (docs/stakeholders.md).
        callback = f"http://127.0.0.1:{inbox_port}/inbox/{LEGAL_CALLBACK}"
        await source_callbacks.put(make_sessions(engine), "legal", callback, None, "make-run")
        return keys
    finally:
        await engine.dispose()


async def _local_links(database_url: str, config: str, base: str) -> dict[str, str]:
    """Return a one-time local sign-in link per person of the configuration (docs/sign-in.md)."""
    people = [person.id for person in load_config(config).config.people]
    engine = make_engine(database_url, pool_size=1)
    try:
        tokens = await issue_links(make_sessions(engine), people, datetime.now(UTC))
    finally:
        await engine.dispose()
    return {person: link(base, token) for person, token in tokens.items()}


def _demo_config(inbox_port: int) -> str:
    """Return the demo config, with its webhooks pointed at the inbox's port if it moved."""
    if inbox_port == DEMO_INBOX_PORT:
        return str(DEMO_CONFIG)
    moved = RUN_DIR / "demo.yaml"
    text = DEMO_CONFIG.read_text()
    moved.write_text(text.replace(f"127.0.0.1:{DEMO_INBOX_PORT}/", f"127.0.0.1:{inbox_port}/"))
    return str(moved.resolve())


def _banner(
    ports: services.Ports, admin_key: str, keys: dict[str, str], store: Path, config: str,
    stack: Stack, links: dict[str, str],
) -> str:  # fmt: skip
    kafka, database = stack.kafka_bootstrap, stack.database_url
    base = f"http://127.0.0.1:{ports.intake}"
    sample = (
        f"curl -sS -X POST {base}/v1/escalations \\\n"
        f"  -H 'Authorization: Bearer {keys['legal']}' -H 'Content-Type: application/json' \\\n"
        '  -d \'{"external_id": "LEGAL-1", "title": "Removal order for a violent extremist pin", '
        '"policy_area": "violent_extremism", "regulatory": {"regime": "terreg_removal_order"}}\''
    )
    lines = [
        "",
        "Escalations stack is up.",
        f"  Console:                {base}/console  (sign in with a link below)",
        f"  API docs (Swagger UI):  {base}/docs",
        f"  Intake health:          {base}/readyz",
        f"  Router health/metrics:  http://127.0.0.1:{ports.router}/readyz  /metrics",
        f"  Notifier health/metrics http://127.0.0.1:{ports.notifier}/readyz  /metrics",
        f"  Notifications land in:  http://127.0.0.1:{ports.inbox}/  (and {store});"
        f" the legal source's status callback as '{LEGAL_CALLBACK}'",
        f"  Configuration:          {config}",
        f"  Kafka / Postgres:       {kafka}  {database}",
        "",
        "API keys (shown once):",
        f"  admin (all scopes):     {admin_key}",
        *(f"  {source:<22}  {key}" for source, key in keys.items()),
        "",
        *_sign_in_lines(links),
        "Try it:",
        sample,
        f"curl -sS {base}/v1/escalations -H 'Authorization: Bearer {keys['legal']}'",
        "",
        f"Logs are in {RUN_DIR}/logs. Press Ctrl-C to stop everything.",
    ]
    return "\n".join(lines)


def _sign_in_lines(links: dict[str, str]) -> list[str]:
    if not links:
        return []
    minutes = int(LINK_TTL.total_seconds() // 60)
    return [
        f"Sign in as a person to the console (open in a browser; each link works once, for "
        f"{minutes} minutes):",
        *(f"  {person:<22}  {url}" for person, url in links.items()),
        "",
    ]


def _supervise(
    stack: Stack, procs: list[services.Process], env: dict[str, str], ports: services.Ports,
    store: Path,
) -> Supervisor:  # fmt: skip
    """Watch the servers and every process; a restarted one replaces its entry in ``procs``."""
    supervisor = Supervisor()
    supervisor.watch("kafka", stack.kafka_running, stack.restart_kafka)
    supervisor.watch("postgres", stack.postgres_running, stack.restart_postgres)
    logs = RUN_DIR / "logs"
    for index, proc in enumerate(procs):

        def restart(index: int = index, name: str = proc.name) -> None:
            if name == "inbox":
                fresh = services.start_inbox(env, ports.inbox, logs, store)
            else:
                fresh = services.start(env, ports, logs, names=[name])[0]
            procs[index] = fresh
            services.wait_ready([fresh])

        def running(index: int = index) -> bool:
            return procs[index].popen.poll() is None

        supervisor.watch(proc.name, running, restart)
    return supervisor


def main() -> int:
    """Run the stack until interrupted."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    ports = services.Ports(
        int(os.environ.get("INTAKE_PORT", 8080)),
        int(os.environ.get("ROUTER_HTTP_PORT", 8081)),
        int(os.environ.get("NOTIFIER_HTTP_PORT", 8082)),
        int(os.environ.get("INBOX_PORT", 8083)),
    )
    RUN_DIR.mkdir(exist_ok=True)
    stack: Stack | None = None
    procs: list[services.Process] = []
    try:
        # Durable: `make run` is how people first meet the product; it must keep what it
        # accepted through a crash (tests keep the fast, non-durable settings).
        stack = start_stack(topics=TOPICS, durable=True)
        upgrade(str(stack.database_url))
        admin_key = os.environ.get("ESCALATIONS_BOOTSTRAP_KEY") or new_key()
        keys = asyncio.run(_demo_keys(str(stack.database_url), ports.inbox))
        config = os.environ.get("ESCALATIONS_CONFIG") or _demo_config(ports.inbox)
        # Local sign-in needs no provider; the intake refuses it on a public address.
        local = os.environ.get("INTAKE_LOCAL_SIGN_IN", "true")
        base = os.environ.get("INTAKE_PUBLIC_URL") or f"http://127.0.0.1:{ports.intake}"
        links: dict[str, str] = {}
        if local.lower() == "true":
            links = asyncio.run(_local_links(str(stack.database_url), config, base))
        env = {
            **os.environ,
            **stack.env(),
            "ESCALATIONS_CONFIG": config,
            "ESCALATIONS_BOOTSTRAP_KEY": admin_key,
            "INTAKE_LOCAL_SIGN_IN": local,
            # Links and the sign-in callback name the port the intake really listens on.
            "INTAKE_PUBLIC_URL": base,
            "NOTIFIER_WEBHOOK_SECRET": os.environ.get("NOTIFIER_WEBHOOK_SECRET")
            or secrets.token_urlsafe(24),
            "ESCALATIONS_LINK_SECRET": os.environ.get("ESCALATIONS_LINK_SECRET")
            or secrets.token_urlsafe(24),
        }
        env = services.service_env(env, ports)
        store = (RUN_DIR / "inbox.jsonl").resolve()
        procs.append(services.start_inbox(env, ports.inbox, RUN_DIR / "logs", store))
        procs.extend(services.start(env, ports, RUN_DIR / "logs"))
        services.wait_ready(procs)
        print(_banner(ports, admin_key, keys, store, config, stack, links), flush=True)
        supervisor = _supervise(stack, procs, env, ports, store)
        while not stop.wait(0.5):
            supervisor.check()
        return 0
    except DevstackError as exc:
        print(f"make run: {exc}", file=sys.stderr)
        return 1
    finally:
        print("stopping...", file=sys.stderr, flush=True)
        services.stop(procs)
        if stack is not None:
            stack.stop()


if __name__ == "__main__":
    sys.exit(main())

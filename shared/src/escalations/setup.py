"""One-shot set-up of a deployment: create the Kafka topics and run the migrations.

Run as ``python -m escalations.setup``; idempotent, safe to run on every deploy. Kafka and
Postgres often start alongside it (compose, a Helm release), so an unreachable one is
waited for, with backoff, for up to ``SETUP_WAIT_SECONDS``; then it exits 1 naming which.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Callable

from aiokafka.errors import KafkaError
from pydantic import Field, ValidationError

from escalations.contracts.topics import TOPICS
from escalations.db.held import DATABASE_ERRORS
from escalations.db.migrate import upgrade
from escalations.kafka import create_topics
from escalations.logs import configure_logging, fields
from escalations.settings import InfraSettings

log = logging.getLogger("escalations.setup")
_FIRST_WAIT_S, _MAX_WAIT_S = 0.5, 5.0


class SetupSettings(InfraSettings):
    """Where Kafka and Postgres are, and how long to wait for them."""

    wait_seconds: float = Field(120.0, validation_alias="SETUP_WAIT_SECONDS", ge=0)


def create(settings: InfraSettings) -> None:
    """Create the missing topics (one round; raises when Kafka cannot be reached)."""
    created = asyncio.run(create_topics(settings.kafka_bootstrap_servers, TOPICS))
    log.info("topics ready", extra=fields(created=created))


def migrate(settings: InfraSettings) -> None:
    """Upgrade the schema to the latest revision (raises when Postgres cannot be reached)."""
    upgrade(settings.database_url)
    log.info("database schema at head")


def _patiently(
    step: str, target: str, action: Callable[[InfraSettings], None], settings: SetupSettings
) -> None:
    """Run one step, retrying unreachable-service errors with backoff until the deadline."""
    deadline = time.monotonic() + settings.wait_seconds
    wait = _FIRST_WAIT_S
    while True:
        try:
            action(settings)
            return
        except (KafkaError, *DATABASE_ERRORS) as exc:
            if time.monotonic() + wait > deadline:
                raise SetupError(
                    f"{step}: {target} not reachable within {settings.wait_seconds:g} s "
                    f"(SETUP_WAIT_SECONDS): {type(exc).__name__}: {exc}"
                ) from exc
            log.warning(
                "%s: waiting for %s", step, target, extra=fields(error=str(exc), retry_in=wait)
            )
            time.sleep(wait)
            wait = min(wait * 2, _MAX_WAIT_S)


class SetupError(RuntimeError):
    """A dependency stayed out of reach; the message names it and the setting to change."""


def run(settings: SetupSettings) -> None:
    """Create missing topics, then upgrade the schema, waiting for each service if needed."""
    _patiently("topics", f"Kafka at {settings.kafka_bootstrap_servers}", create, settings)
    _patiently("schema", "Postgres (DATABASE_URL)", migrate, settings)


def main() -> int:
    """Entry point: exit 0 when the deployment is ready for the services."""
    try:
        settings = SetupSettings()
    except ValidationError as exc:
        print(f"escalations.setup: invalid settings:\n{exc}", file=sys.stderr)
        return 2
    configure_logging("setup", settings.log_level)
    try:
        run(settings)
    except SetupError as exc:
        print(f"escalations.setup: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""One-shot set-up of a deployment: create the Kafka topics and run the migrations.

Run as ``python -m escalations.setup``; idempotent, safe to run on every deploy.
"""

from __future__ import annotations

import asyncio
import logging
import sys

from pydantic import ValidationError

from escalations.contracts.topics import TOPICS
from escalations.db.migrate import upgrade
from escalations.kafka import create_topics
from escalations.logs import configure_logging
from escalations.settings import InfraSettings

log = logging.getLogger("escalations.setup")


def run(settings: InfraSettings) -> None:
    """Create missing topics, then upgrade the schema to the latest revision."""
    created = asyncio.run(create_topics(settings.kafka_bootstrap_servers, TOPICS))
    log.info("topics ready", extra={"created": created})
    upgrade(settings.database_url)
    log.info("database schema at head")


def main() -> int:
    """Entry point: exit 0 when the deployment is ready for the services."""
    try:
        settings = InfraSettings()
    except ValidationError as exc:
        print(f"escalations.setup: invalid settings:\n{exc}", file=sys.stderr)
        return 2
    configure_logging("setup", settings.log_level)
    run(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())

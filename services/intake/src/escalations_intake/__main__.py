"""Run the intake: ``python -m escalations_intake``."""

from __future__ import annotations

import sys

import uvicorn
from pydantic import ValidationError

from escalations.logs import configure_logging
from escalations_intake.app import create_app
from escalations_intake.settings import IntakeSettings


def main() -> int:
    """Start uvicorn; SIGTERM drains in-flight requests, then the producer is flushed."""
    try:
        settings = IntakeSettings()
    except ValidationError as exc:
        print(f"intake: invalid settings:\n{exc}", file=sys.stderr)
        return 2
    configure_logging("intake", settings.log_level)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

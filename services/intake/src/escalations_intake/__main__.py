"""Run the intake: ``python -m escalations_intake``."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import uvicorn
from pydantic import ValidationError

from escalations.logs import configure_logging
from escalations.settings import log_coverage
from escalations_intake.settings import IntakeSettings

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def main() -> int:
    """Start uvicorn; SIGTERM drains in-flight requests, then the producer is flushed."""
    try:
        settings = IntakeSettings()
    except ValidationError as exc:
        print(f"intake: invalid settings:\n{exc}", file=sys.stderr)
        return 2
    configure_logging("intake", settings.log_level)
    log_coverage("intake", settings.config_path)  # once, not per worker
    options = {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,
        "access_log": False,
        "timeout_graceful_shutdown": 10,
        "loop": "uvloop",
        "http": "httptools",
    }
    if settings.workers == 1:
        from escalations_intake.http.app import create_app

        uvicorn.run(create_app(settings), **options)  # type: ignore[arg-type]  # options typed loosely
        return 0
    # Several workers: each one imports the app itself, and writes its metrics to a shared
    # folder that every worker reads when it answers /metrics.
    folder = settings.metrics_dir or tempfile.mkdtemp(prefix="intake-metrics-")
    for stale in Path(folder).glob("*.db"):  # counts of an earlier run must not add up
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(folder)
    try:
        uvicorn.run(
            "escalations_intake.http.app:app_from_env",
            factory=True,
            workers=settings.workers,
            **options,  # type: ignore[arg-type]  # options typed loosely
        )
    finally:
        if settings.metrics_dir is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

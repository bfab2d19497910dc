"""Run the notifier: ``python -m escalations_notifier``."""

from __future__ import annotations

import asyncio
import logging
import sys

from escalations.core.config import Config
from escalations.logs import configure_logging
from escalations.runtime import (
    health_app,
    install_stop_signals,
    loop_factory,
    serve_health,
    settle_memory,
    supervise,
)
from escalations.settings import load_service
from escalations_notifier import metrics
from escalations_notifier.bootstrap import build
from escalations_notifier.pipeline import consume
from escalations_notifier.settings import NotifierSettings

log = logging.getLogger("escalations_notifier")


async def run(settings: NotifierSettings, config: Config) -> None:
    """Consume and deliver until SIGTERM/SIGINT; finish the batch in flight, then close."""
    deps = build(settings, config)
    stop = asyncio.Event()
    install_stop_signals(stop)
    await deps.producer.start()
    await deps.consumer.start()
    metrics.DLQ_SIZE.set(await deps.ledger.parked())
    app = health_app({"kafka": deps.check_kafka, "postgres": deps.check_postgres})
    tasks = [
        asyncio.create_task(consume(deps.consumer, deps.notifier, stop), name="consume"),
        asyncio.create_task(deps.retrier.run(stop), name="retry"),
        asyncio.create_task(
            serve_health(app, settings.http_host, settings.http_port, stop), name="health"
        ),
    ]
    # Everything built so far lives as long as the process: keep it out of the collector's
    # full passes, which otherwise pause sends for tens of milliseconds at a time.
    settle_memory()
    log.info("notifier started")
    try:
        await supervise(tasks, stop)
    finally:
        await deps.consumer.stop()
        await deps.producer.stop()
        await deps.http.aclose()
        await deps.ledger.close()
        await deps.engine.dispose()
        log.info("notifier stopped")


def main() -> int:
    """Entry point; exit 2 on bad settings or configuration."""
    loaded = load_service("notifier", NotifierSettings)
    if loaded is None:
        return 2
    settings, config = loaded
    configure_logging("notifier", settings.log_level)
    # uvloop (shipped with uvicorn[standard]) roughly halves the event loop's share of
    # each delivery's CPU; plain asyncio works the same, only slower.
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        runner.run(run(settings, config))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Run the notifier: ``python -m escalations_notifier``."""

from __future__ import annotations

import asyncio
import logging
import sys

from aiokafka.errors import KafkaError

from escalations.core.config import Config
from escalations.logs import configure_logging
from escalations.outages import KAFKA, retrying, watch
from escalations.runtime import (
    health_app,
    install_stop_signals,
    loop_factory,
    serve_health,
    settle_memory,
    supervise,
)
from escalations.settings import load_service
from escalations_notifier.bootstrap import Deps, build
from escalations_notifier.consumer import consume
from escalations_notifier.settings import NotifierSettings

log = logging.getLogger("escalations_notifier")


async def run(settings: NotifierSettings, config: Config) -> None:
    """Consume and deliver until SIGTERM/SIGINT; finish the batch in flight, then close."""
    deps = build(settings, config)
    stop = asyncio.Event()
    install_stop_signals(stop)
    deps.deliverer.stop = stop
    checks = {"kafka": deps.check_kafka, "postgres": deps.check_postgres}
    app = health_app(checks, {"config": deps.config.status}, deps.outages)
    # Health first: while the broker is still out at start, /readyz says so.
    tasks = [
        # Sees an outage between batches too, so readiness and the gauge say it at once.
        asyncio.create_task(watch(checks, deps.outages, stop), name="dependencies"),
        asyncio.create_task(
            serve_health(app, settings.http_host, settings.http_port, stop), name="health"
        ),
    ]
    try:
        try:
            # The broker may be starting, or out: wait for it as every loop does.
            await retrying(
                deps.producer.start, outages=deps.outages, dependency=KAFKA, loop="start",
                errors=(KafkaError,), stop=stop,
            )  # fmt: skip
        except KafkaError:
            if not stop.is_set():
                raise
            log.info("stopped before the broker could be reached")
            return
        tasks += [
            asyncio.create_task(_consume(deps, stop), name="consume"),
            asyncio.create_task(deps.retrier.run(stop), name="retry"),
            asyncio.create_task(
                deps.config.watch(stop, settings.config_poll_seconds), name="config"
            ),
        ]
        # Everything built so far lives as long as the process: keep it out of the
        # collector's full passes, which otherwise pause sends for tens of milliseconds.
        settle_memory()
        log.info("notifier started")
        await supervise(tasks, stop)
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await deps.consumer.stop()
        await deps.producer.stop()
        await deps.http.aclose()
        await deps.ledger.close()
        await deps.context.close()
        await deps.engine.dispose()
        log.info("notifier stopped")


async def _consume(deps: Deps, stop: asyncio.Event) -> None:
    """Join the group, then consume: the retry loop does not wait for the join.

    A restarted notifier's own unfinished deliveries go out from the retry loop while the
    group rebalances (seconds, or the session timeout when the old member is not static).
    """
    await retrying(
        deps.consumer.start, outages=deps.outages, dependency=KAFKA, loop="start",
        errors=(KafkaError,), stop=stop,
    )  # fmt: skip
    await consume(deps.consumer, deps.notifier, stop, outages=deps.outages)


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

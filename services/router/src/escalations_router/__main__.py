"""Run the router: ``python -m escalations_router``."""

from __future__ import annotations

import asyncio
import logging
import sys
from functools import partial

from aiokafka.errors import KafkaError

from escalations.core.config import Config
from escalations.db.held import DATABASE_ERRORS
from escalations.logs import configure_logging
from escalations.outages import KAFKA, POSTGRES, retrying, watch
from escalations.runtime import (
    health_app,
    install_stop_signals,
    loop_factory,
    serve_health,
    settle_memory,
    supervise,
)
from escalations.settings import load_service
from escalations_router.bootstrap import Deps, build
from escalations_router.consumer import consume
from escalations_router.settings import RouterSettings

log = logging.getLogger("escalations_router")


async def run(settings: RouterSettings, config: Config) -> None:
    """Consume, relay and serve health until SIGTERM/SIGINT; then finish and close cleanly."""
    deps = build(settings, config)
    stop = asyncio.Event()
    install_stop_signals(stop)
    checks = {"kafka": deps.check_kafka, "postgres": deps.check_postgres}
    app = health_app(checks, {"config": deps.watcher.file.status}, deps.outages)
    s = deps.settings
    # Health first: while Postgres or the broker is still out at start, /readyz says so.
    tasks = [
        # Sees an outage between batches too, so readiness and the gauge say it at once.
        asyncio.create_task(watch(checks, deps.outages, stop), name="dependencies"),
        asyncio.create_task(serve_health(app, s.http_host, s.http_port, stop), name="health"),
    ]
    pooled = False
    try:
        try:
            await _connect(deps, stop)
            pooled = True
        except (KafkaError, *DATABASE_ERRORS):
            if not stop.is_set():
                raise
            log.info("stopped before Postgres and the broker could be reached")
            return
        tasks += [
            asyncio.create_task(
                consume(
                    deps.consumer,
                    deps.processor,
                    stop,
                    max_batch=s.max_batch,
                    rebalance=deps.rebalance,
                    outages=deps.outages,
                ),
                name="consume",
            ),
            asyncio.create_task(deps.relay.run(stop), name="relay"),
            asyncio.create_task(deps.timers.run(stop), name="timers"),
            asyncio.create_task(deps.pruner.run(stop), name="prune"),
            asyncio.create_task(deps.stakeholders.run(stop), name="stakeholders"),
            asyncio.create_task(deps.watcher.run(stop), name="config"),
        ]
        # The collector's thresholds are the services' one constant (``runtime.GC_THRESHOLDS``).
        settle_memory()
        log.info("router started")
        await supervise(tasks, stop)
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await deps.consumer.stop()
        await deps.producer.stop()
        if pooled:
            await deps.pool.close()
        await deps.engine.dispose()
        log.info("router stopped")


async def _connect(deps: Deps, stop: asyncio.Event) -> None:
    """Wait for Postgres, then the broker, retrying with backoff as every loop does.

    A pool whose first connection fails is closed for good: Postgres is checked first.
    """
    started = partial(retrying, outages=deps.outages, loop="start", stop=stop)
    await started(deps.check_postgres, dependency=POSTGRES, errors=DATABASE_ERRORS)
    await deps.pool  # connects (one connection to start with)
    await started(deps.producer.start, dependency=KAFKA, errors=(KafkaError,))
    await started(deps.consumer.start, dependency=KAFKA, errors=(KafkaError,))


def main() -> int:
    """Entry point; exit 2 on bad settings or configuration."""
    loaded = load_service("router", RouterSettings)
    if loaded is None:
        return 2
    settings, config = loaded
    configure_logging("router", settings.log_level)
    # uvloop (shipped with uvicorn[standard]) cuts the event loop's share of each batch.
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        runner.run(run(settings, config))
    return 0


if __name__ == "__main__":
    sys.exit(main())

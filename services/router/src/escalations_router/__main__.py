"""Run the router: ``python -m escalations_router``."""

from __future__ import annotations

import asyncio
import logging
import sys

from pydantic import ValidationError

from escalations.core.config import Config, ConfigError, load_config
from escalations.logs import configure_logging
from escalations.runtime import health_app, install_stop_signals, serve_health
from escalations_router.bootstrap import build
from escalations_router.consumer import consume
from escalations_router.settings import RouterSettings

log = logging.getLogger("escalations_router")


async def run(settings: RouterSettings, config: Config) -> None:
    """Consume, relay and serve health until SIGTERM/SIGINT; then finish and close cleanly."""
    deps = build(settings, config)
    stop = asyncio.Event()
    install_stop_signals(stop)
    await deps.producer.start()
    await deps.consumer.start()
    app = health_app({"kafka": deps.check_kafka, "postgres": deps.check_postgres})
    s = deps.settings
    tasks = [
        asyncio.create_task(
            consume(
                deps.consumer,
                deps.processor,
                stop,
                max_batch=s.max_batch,
                on_committed=deps.relay.wake,
                rebalance=deps.rebalance,
            ),
            name="consume",
        ),
        asyncio.create_task(deps.relay.run(stop), name="relay"),
        asyncio.create_task(deps.timers.run(stop), name="timers"),
        asyncio.create_task(deps.watcher.run(stop), name="config"),
        asyncio.create_task(serve_health(app, s.http_host, s.http_port, stop), name="health"),
    ]
    log.info("router started")
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            error = task.exception()
            if error is not None:
                stop.set()
                raise error
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await deps.consumer.stop()
        await deps.producer.stop()
        await deps.engine.dispose()
        log.info("router stopped")


def main() -> int:
    """Entry point; exit 2 on bad settings or configuration."""
    try:
        settings = RouterSettings()
        config = load_config(settings.config_path).config
    except (ValidationError, ConfigError) as exc:
        print(f"router: cannot start:\n{exc}", file=sys.stderr)
        return 2
    configure_logging("router", settings.log_level)
    asyncio.run(run(settings, config))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What every service shares at run time: a health/metrics HTTP app and graceful shutdown.

Router and notifier run their consumer loop and a small uvicorn server in one event loop;
SIGTERM or SIGINT sets a stop event, the loop finishes the batch in flight, commits, and
closes its clients before the process exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from escalations.outages import Outages

log = logging.getLogger(__name__)

ReadinessCheck = Callable[[], Awaitable[None]]
READINESS_TIMEOUT_S = 3.0


async def run_checks(checks: Mapping[str, ReadinessCheck]) -> dict[str, str]:
    """Run every readiness check concurrently; return "ok" or the error per dependency."""

    async def one(check: ReadinessCheck) -> str:
        try:
            await asyncio.wait_for(check(), READINESS_TIMEOUT_S)
        except TimeoutError:
            return f"no answer within {READINESS_TIMEOUT_S:g} s"
        except Exception as exc:  # noqa: BLE001  (any failure means not ready; the text is the answer)
            return f"{type(exc).__name__}: {exc}"
        return "ok"

    names = list(checks)
    results = await asyncio.gather(*(one(checks[n]) for n in names))
    return dict(zip(names, results, strict=True))


def health_app(
    checks: Mapping[str, ReadinessCheck],
    info: Mapping[str, Callable[[], object]] | None = None,
    outages: Outages | None = None,
) -> Starlette:
    """Return an app serving /healthz, /readyz and /metrics.

    ``info`` adds fields to the readiness answer that do not decide it (say, the outcome of
    the last configuration reload). ``outages`` are the dependencies the service's loops
    cannot reach: while there is one, the answer is 503 and ``outages`` names it.
    """

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        results = await run_checks(checks)
        out = outages.status() if outages is not None else {}
        ready = all(v == "ok" for v in results.values()) and not out
        body: dict[str, object] = {"status": "ready" if ready else "not_ready", "checks": results}
        if outages is not None:
            body["outages"] = out
        body.update((name, describe()) for name, describe in (info or {}).items())
        return JSONResponse(body, status_code=200 if ready else 503)

    async def metrics(_: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[Route("/healthz", healthz), Route("/readyz", readyz), Route("/metrics", metrics)]
    )


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to the service that embeds it."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Do not touch signal handlers: the service's stop event drives shutdown."""
        yield


def install_stop_signals(stop: asyncio.Event) -> None:
    """Make SIGTERM and SIGINT set ``stop`` instead of killing the process mid-batch."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)


async def serve_health(app: Starlette, host: str, port: int, stop: asyncio.Event) -> None:
    """Serve the health app until ``stop`` is set."""
    config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False)
    server = _EmbeddedServer(config)
    task = asyncio.create_task(server.serve())
    await stop.wait()
    server.should_exit = True
    await task


async def supervise(tasks: Sequence[asyncio.Task[None]], stop: asyncio.Event) -> None:
    """Run until ``stop`` ends the tasks or one fails; then stop and drain them all.

    The first failure is raised after every other task has finished its work in flight,
    so a crash in one loop still commits what the others were doing.
    """
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            error = task.exception()
            if error is not None:
                raise error
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)


# The collector's thresholds for every service, raised from Python's (700, 10, 10). The
# services' garbage goes by reference counting (cyclic garbage is rare), yet young
# collections rescanned what is alive between allocations: a router batch keeps some
# 100,000 objects until it commits (collections took 5 % of its CPU in a burst at
# (10_000, 10, 10)), an intake request keeps a few hundred alive while the broker
# acknowledges (about a tenth of its CPU at 700). A young collection costs what is alive,
# not what was allocated, so collecting less often saves CPU without longer pauses
# (docs/performance.md).
GC_THRESHOLDS = (100_000, 20, 20)


def settle_memory(thresholds: tuple[int, int, int] = GC_THRESHOLDS) -> None:
    """Keep what start-up built out of every collection, and collect less often."""
    # Clients, configuration and imported modules live as long as the process; without
    # freezing them, each full pass walks all of them and pauses the loop for milliseconds.
    gc.freeze()
    gc.set_threshold(*thresholds)


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """Return uvloop's loop factory where uvloop is installed, else None (plain asyncio)."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop ships with uvicorn[standard] off Windows
        return None
    return uvloop.new_event_loop

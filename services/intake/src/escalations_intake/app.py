"""The intake's FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from escalations.runtime import run_checks
from escalations_intake import bootstrap, problems
from escalations_intake.middleware import BodyLimit, Metrics
from escalations_intake.routes_escalations import router as escalations_router
from escalations_intake.settings import IntakeSettings

DESCRIPTION = """\
Front door of the escalation router: upstream sources post escalations here; people read
state and act on it. Every error is `application/problem+json` (RFC 9457) naming the field.
Authenticate with `Authorization: Bearer <api key>`.
"""


def create_app(settings: IntakeSettings) -> FastAPI:
    """Build the app; clients connect when it starts, not before."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        deps = bootstrap.build(settings)
        app.state.deps = deps
        await bootstrap.start(deps)
        try:
            yield
        finally:
            await bootstrap.stop(deps)

    app = FastAPI(
        title="Escalations intake API",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    problems.install(app)
    app.include_router(escalations_router)

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        """Liveness: the process serves requests."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"])
    async def readyz(request: Request) -> JSONResponse:
        """Readiness: Kafka and Postgres both answer."""
        deps: bootstrap.Deps = request.app.state.deps
        results = await run_checks({"kafka": deps.check_kafka, "postgres": deps.check_postgres})
        ready = all(v == "ok" for v in results.values())
        body = {"status": "ready" if ready else "not_ready", "checks": results}
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    async def metrics() -> Response:
        """Prometheus metrics."""
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(BodyLimit)
    app.add_middleware(Metrics)
    return app

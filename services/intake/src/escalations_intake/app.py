"""The intake's FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from escalations.runtime import run_checks, settle_memory
from escalations_intake import bootstrap, problems
from escalations_intake.integrations_alertmanager import router as alertmanager_router
from escalations_intake.integrations_pagerduty import router as pagerduty_router
from escalations_intake.metrics_multi import exposition
from escalations_intake.middleware import Front
from escalations_intake.openapi_schema import build_openapi
from escalations_intake.query import reject_unknown_query
from escalations_intake.routes_ack import router as ack_router
from escalations_intake.routes_act import router as act_router
from escalations_intake.routes_calendar import router as calendar_router
from escalations_intake.routes_escalations import router as escalations_router
from escalations_intake.routes_feeds import router as feeds_router
from escalations_intake.routes_schedule_manage import router as schedule_manage_router
from escalations_intake.routes_schedules import router as schedules_router
from escalations_intake.routes_simulate import router as simulate_router
from escalations_intake.settings import IntakeSettings

DESCRIPTION = """\
Front door of the escalation router: upstream sources post escalations here; people read
state and act on it.

* **Auth**: `Authorization: Bearer <api key>`. A key belongs to one source, with a source
  kind and scopes (`escalations:write`, `escalations:read`, `escalations:act`,
  `schedules:write`). Missing or unknown key: `401`; missing scope: `403`.
* **Errors** are `application/problem+json` (RFC 9457) whose `detail` names the field.
  Unknown fields: `422`; malformed JSON: `400`; body over 256 KiB: `413`.
* **Rate limit** per source (token bucket): `429` with `Retry-After`.
* **Durability**: `202` only once the event broker has the event (`acks=all`); broker
  unavailable: `503` with `Retry-After`. `Idempotency-Key` makes a retried POST return
  the first answer.
"""
TAGS = [
    {"name": "escalations", "description": "Create, read and list escalations"},
    {"name": "act", "description": "Commands for the router: acknowledge, resolve, reassign"},
    {"name": "schedules", "description": "On call, overrides, time off, calendar feeds"},
    {"name": "simulate", "description": "What would happen, without storing anything"},
    {"name": "integrations", "description": "Alertmanager and PagerDuty Events v2 senders"},
    {"name": "acknowledge links", "description": "Signed links in notifications"},
    {"name": "operations", "description": "Health, readiness"},
]


def app_from_env() -> FastAPI:
    """Build the app from the environment (the factory each uvicorn worker calls)."""
    return create_app(IntakeSettings())


def create_app(settings: IntakeSettings) -> FastAPI:
    """Build the app; clients connect when it starts, not before."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        deps = bootstrap.build(settings)
        app.state.deps = deps
        await bootstrap.start(deps)
        # What start-up built lives as long as the process: keep it out of every collection.
        settle_memory()
        try:
            yield
        finally:
            await bootstrap.stop(deps)

    app = FastAPI(
        title="Escalations intake API",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_tags=TAGS,
        dependencies=[Depends(reject_unknown_query)],
        # Metrics are Prometheus (see metrics.py) and no OpenTelemetry provider is set up:
        # FastAPI's own telemetry would only cost a provider check on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    problems.install(app)
    for router in (
        escalations_router,
        act_router,
        schedules_router,
        schedule_manage_router,
        calendar_router,
        feeds_router,
        simulate_router,
        alertmanager_router,
        pagerduty_router,
        ack_router,
    ):
        app.include_router(router)
    _operations(app)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override
    app.add_middleware(Front)
    return app


def _operations(app: FastAPI) -> None:
    @app.get("/healthz", tags=["operations"], summary="Liveness")
    async def healthz() -> dict[str, str]:
        """Liveness: the process serves requests."""
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["operations"],
        summary="Readiness",
        responses={503: {"description": "Kafka or Postgres unreachable"}},
    )
    async def readyz(request: Request) -> JSONResponse:
        """Readiness: Kafka and Postgres both answer."""
        deps: bootstrap.Deps = request.app.state.deps
        results = await run_checks({"kafka": deps.check_kafka, "postgres": deps.check_postgres})
        ready = all(v == "ok" for v in results.values()) and not deps.outages.failing()
        body = {
            "status": "ready" if ready else "not_ready",
            "checks": results,
            "outages": deps.outages.status(),
            "config": deps.config.file.status(),
        }
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    async def metrics(request: Request) -> Response:
        """Prometheus metrics (summed over the workers when there are several)."""
        folder = request.app.state.deps.settings.metrics_dir
        body = generate_latest(REGISTRY) if folder is None else exposition(folder)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

"""The intake's FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI

from escalations.runtime import settle_memory
from escalations_intake import bootstrap, console
from escalations_intake.http import problems
from escalations_intake.http.body_limit import BodyLimit
from escalations_intake.http.query import reject_unknown_query
from escalations_intake.http.request_metrics import RequestMetrics
from escalations_intake.identity import routes as sign_in
from escalations_intake.integrations.alertmanager import router as alertmanager_router
from escalations_intake.integrations.pagerduty import router as pagerduty_router
from escalations_intake.openapi.document import build_openapi
from escalations_intake.resources import operations
from escalations_intake.resources.ack_links import router as ack_router
from escalations_intake.resources.act import router as act_router
from escalations_intake.resources.audit import router as audit_router
from escalations_intake.resources.calendars import router as calendar_router
from escalations_intake.resources.escalations import router as escalations_router
from escalations_intake.resources.feeds import router as feeds_router
from escalations_intake.resources.handoff_notes import router as handoff_notes_router
from escalations_intake.resources.handoffs import router as handoffs_router
from escalations_intake.resources.oncall import router as oncall_router
from escalations_intake.resources.reveal import router as reveal_router
from escalations_intake.resources.schedule_manage import router as schedule_manage_router
from escalations_intake.resources.schedules import router as schedules_router
from escalations_intake.resources.simulate import router as simulate_router
from escalations_intake.resources.source_callbacks import router as source_callbacks_router
from escalations_intake.resources.subscriptions import router as subscriptions_router
from escalations_intake.resources.tokens import router as tokens_router
from escalations_intake.resources.updates import router as updates_router
from escalations_intake.settings import IntakeSettings

DESCRIPTION = """\
Front door of the escalation router: upstream sources post escalations here; people read
state and act on it.

* **Auth**: `Authorization: Bearer <api key>`. A key belongs to one source, with a source
  kind and scopes (`escalations:write`, `escalations:read`, `escalations:act`,
  `schedules:write`). Missing or unknown key: `401`; missing scope: `403`. A person's
  personal token (`ept_...`) is sent the same way and acts as that person. People who
  signed in with a browser send its session cookie instead, and `X-CSRF-Token` (from
  `GET /v1/me`) with every write.
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
    {
        "name": "stakeholders",
        "description": "Subscriptions, source status callbacks, handoff notes",
    },
    {"name": "tokens", "description": "Personal API tokens: people's scripts act as them"},
    {"name": "audit", "description": "Who did what, when and from where (admins)"},
    {"name": "sign-in", "description": "Who am I; people sign in with a browser"},
    {"name": "operations", "description": "Health, readiness"},
]


def app_from_env() -> FastAPI:
    """Build the app from the environment (the factory each uvicorn worker calls)."""
    return create_app(IntakeSettings())


def create_app(settings: IntakeSettings) -> FastAPI:
    """Build the app; clients connect when it starts, not before."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        intake = bootstrap.build(settings)
        app.state.intake = intake
        await bootstrap.start(intake)
        # What start-up built lives as long as the process: keep it out of every collection.
        settle_memory()
        try:
            yield
        finally:
            await bootstrap.stop(intake)

    app = FastAPI(
        title="Escalations intake API",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_tags=TAGS,
        dependencies=[Depends(reject_unknown_query)],
        # Metrics are Prometheus (metrics.py) and no OpenTelemetry provider is set up:
        # FastAPI's own telemetry would only cost a provider check on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    problems.install(app)
    console.install(app)  # errors under /console are HTML pages (docs/console.md)
    for router in (
        escalations_router,
        act_router,
        updates_router,
        subscriptions_router,
        reveal_router,
        schedules_router,
        oncall_router,
        schedule_manage_router,
        calendar_router,
        feeds_router,
        handoff_notes_router,
        handoffs_router,
        simulate_router,
        alertmanager_router,
        pagerduty_router,
        ack_router,
        tokens_router,
        audit_router,
        source_callbacks_router,
    ):
        app.include_router(router)
    app.include_router(sign_in.router)
    app.router.routes.append(sign_in.CALLBACK)
    app.include_router(operations.router)
    app.include_router(console.router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override
    # The last added runs first: every request is counted, even one refused for its size.
    app.add_middleware(BodyLimit)
    app.add_middleware(RequestMetrics)
    return app

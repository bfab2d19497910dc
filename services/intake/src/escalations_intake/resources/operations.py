"""Operations endpoints: liveness, readiness (Kafka, Postgres, outages, config) and metrics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from escalations.runtime import run_checks
from escalations_intake.bootstrap import Intake
from escalations_intake.http.deps import SettingsDep
from escalations_intake.http.metrics_exposition import exposition

router = APIRouter(tags=["operations"])


async def _intake(request: Request) -> Intake:
    """Return the whole running service: readiness reports on every client it holds."""
    intake: Intake = request.app.state.intake
    return intake


@router.get("/healthz", summary="Liveness")
async def healthz() -> dict[str, str]:
    """Liveness: the process serves requests."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness",
    responses={503: {"description": "Kafka or Postgres unreachable"}},
)
async def readyz(intake: Annotated[Intake, Depends(_intake)]) -> JSONResponse:
    """Readiness: Kafka and Postgres both answer."""
    results = await run_checks({"kafka": intake.check_kafka, "postgres": intake.check_postgres})
    ready = all(v == "ok" for v in results.values()) and not intake.outages.failing()
    body = {
        "status": "ready" if ready else "not_ready",
        "checks": results,
        "outages": intake.outages.status(),
        "config": intake.config.file.status(),
    }
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/metrics", include_in_schema=False)
async def metrics(settings: SettingsDep) -> Response:
    """Prometheus metrics (summed over the workers when there are several)."""
    folder = settings.metrics_dir
    body = generate_latest(REGISTRY) if folder is None else exposition(folder)
    return Response(body, media_type=CONTENT_TYPE_LATEST)

"""``POST /v1/simulate``: what would happen to an escalation; stores and publishes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Body, Request
from fastapi.openapi.models import Example
from pydantic import ConfigDict, Field

from escalations.core.escalation import EscalationIn, SourceKind
from escalations.core.simulate import Simulation, simulate
from escalations_intake.auth import Reader
from escalations_intake.bodies import Timestamp, as_core
from escalations_intake.examples import LEGAL_ORDER, THREAT
from escalations_intake.handling import deps_of
from escalations_intake.openapi_docs import errors
from escalations_intake.schedule_store import windows

router = APIRouter(prefix="/v1", tags=["simulate"])
# Far enough to cover every page of the longest policy (levels x repeats x SLA).
HORIZON = timedelta(days=14)


class SimulateRequest(EscalationIn):
    """An escalation as for create, plus the instant to simulate at."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    at: Timestamp | None = Field(None, description="Instant it arrives (default now)")
    source_kind: SourceKind | None = Field(
        None, description="Simulate as this source kind (default: the kind of your key)"
    )


_EXAMPLES = {
    "threat": Example(summary="A threat, now", value=THREAT),
    "terreg": Example(
        summary="A TERREG order at a given instant",
        value={**LEGAL_ORDER, "at": "2026-11-25T09:15:00Z"},
    ),
}


@router.post(
    "/simulate",
    response_model=Simulation,
    responses=errors(400, 401, 403, 413, 422, 429),
    summary="Simulate an escalation",
)
async def simulate_escalation(
    body: Annotated[SimulateRequest, Body(openapi_examples=_EXAMPLES)],
    principal: Reader,
    request: Request,
) -> Simulation:
    """Answer what *would* happen: score with reasons, route, team, owner with the decision
    record, deadlines, who is paged at each level and when. Stores and publishes nothing.

    Uses the source of your key, overrides and time off in force. Needs `escalations:read`.
    """
    deps = deps_of(request)
    config = deps.config.current()
    at = body.at or datetime.now(UTC)
    overrides, time_off = await windows(deps, config, at, at + HORIZON)
    escalation = as_core(body, exclude=frozenset({"at", "source_kind"}))
    return simulate(
        config,
        escalation,
        source=principal.source,
        source_kind=body.source_kind or principal.source_kind,
        at=at,
        overrides=overrides,
        time_off=time_off,
    )

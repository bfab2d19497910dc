"""``POST /v1/simulate``: what would happen to an escalation; stores and publishes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Body
from fastapi.openapi.models import Example
from pydantic import ConfigDict, Field

from escalations.core.config import Config
from escalations.core.decide import decide
from escalations.core.escalation import EscalationIn, SourceKind
from escalations.core.simulate import Simulation, simulate
from escalations.db.live_state import read_load, read_schedule
from escalations_intake.auth.guard import Reader
from escalations_intake.db.schedules import live_reader
from escalations_intake.http.bodies import Timestamp, as_core
from escalations_intake.http.deps import ConfigDep, EngineDep
from escalations_intake.openapi.errors import errors
from escalations_intake.openapi.examples import LEGAL_ORDER, THREAT
from escalations_intake.resources.simulate_state import SimulationAnswer, answer, state_of

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
    response_model=SimulationAnswer,
    responses=errors(400, 401, 403, 413, 422, 429),
    summary="Simulate an escalation",
)
async def simulate_escalation(
    body: Annotated[SimulateRequest, Body(openapi_examples=_EXAMPLES)],
    principal: Reader,
    config: ConfigDep,
    engine: EngineDep,
) -> SimulationAnswer:
    """Answer what *would* happen: score with reasons, route, team, owner with the decision
    record, deadlines, who is paged at each level and when. Stores and publishes nothing.

    Reads the live state the router decides with: the stored overrides and time off and
    each candidate's load (last assigned, open escalations, recent graphic exposure), so
    the owner is the one the router would pick at `at`; `state` lists what was used. Uses
    the source of your key. Needs `escalations:read`.
    """
    now = datetime.now(UTC)
    at = body.at or now
    escalation = as_core(body, exclude=frozenset({"at", "source_kind"}))
    source, kind = principal.source, body.source_kind or principal.source_kind
    async with live_reader(engine) as reader:
        overrides, time_off = await read_schedule(reader, at)
        # Who level 1 offers does not depend on the load: read the load of those people.
        level_one = decide(
            config,
            escalation,
            source=source,
            source_kind=kind,
            at=at,
            overrides=overrides,
            time_off=time_off,
        ).level_one
        candidates = [duty.person for duty in level_one]
        history = await read_load(reader, candidates)
    simulation = simulate(
        config,
        escalation,
        source=source,
        source_kind=kind,
        at=at,
        overrides=overrides,
        time_off=time_off,
        history=history,
    )
    state = state_of(
        as_of=now,
        at=at,
        until=at + HORIZON,
        window=config.wellbeing.window,
        candidates=candidates,
        history=history,
        overrides=overrides,
        time_off=time_off,
        **_involved(config, simulation),
    )
    return answer(simulation, state)


def _involved(config: Config, simulation: Simulation) -> dict[str, frozenset[str]]:
    """Return the teams the simulation routes to or pages, and their members and the paged."""
    paged = [duty for page in simulation.pages for duty in page.people]
    teams = {simulation.team, *(duty.team for duty in paged if duty.team is not None)}
    members = {p for team in teams if (t := config.teams_by_id.get(team)) for p in t.members()}
    return {
        "teams": frozenset(teams),
        "people": frozenset(members | {duty.person for duty in paged}),
    }

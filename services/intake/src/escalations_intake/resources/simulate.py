"""``POST /v1/simulate``: what would happen to an escalation; stores and publishes nothing.

A person who does not see every escalation (need-to-know, docs/contract/access.md) is
simulated with the load they can see: the router's load would count hidden escalations.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Body, Request
from fastapi.openapi.models import Example
from pydantic import ConfigDict, Field

from escalations.core.assignment import PersonHistory
from escalations.core.config import Config
from escalations.core.decide import decide
from escalations.core.escalation import EscalationIn, SourceKind
from escalations.core.simulate import Simulation, simulate
from escalations.db.live_state import read_load, read_schedule
from escalations_intake.auth.access import person_visibility
from escalations_intake.auth.access_rules import Visibility
from escalations_intake.auth.guard import Reader
from escalations_intake.db import Sessions
from escalations_intake.db.escalations import visible_open_owned
from escalations_intake.db.schedules import live_reader
from escalations_intake.http.bodies import Timestamp, as_core
from escalations_intake.http.deps import ConfigDep, EngineDep, SessionsDep
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
    request: Request,
    config: ConfigDep,
    engine: EngineDep,
    sessions: SessionsDep,
) -> SimulationAnswer:
    """Answer what *would* happen: score with reasons, route, team, owner with the decision
    record, deadlines, who is paged at each level and when. Stores and publishes nothing.

    Reads the live state the router decides with: the stored overrides and time off and
    each candidate's load (last assigned, open escalations, recent graphic exposure), so
    the owner is the one the router would pick at `at`; `state` lists what was used. A
    person who does not see every escalation (restricted policy areas) is shown only the
    load they can see: each candidate's open escalations visible to them, without the last
    assignment and graphic exposure, which would count hidden ones. Uses the source of your
    key. Needs `escalations:read`.
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
        seen = person_visibility(request, principal)
        if seen is None:
            history = await read_load(reader, candidates)
    if seen is not None:
        history = await _visible_load(sessions, candidates, seen)
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


async def _visible_load(
    sessions: Sessions, candidates: list[str], seen: Visibility
) -> dict[str, PersonHistory]:
    """Return the load a person may see: the visible open escalations of each candidate."""
    counts = await visible_open_owned(sessions, candidates, seen)
    return {person: PersonHistory(open_count=count) for person, count in counts.items()}


def _involved(config: Config, simulation: Simulation) -> dict[str, frozenset[str]]:
    """Return the teams the simulation routes to or pages, and their members and the paged."""
    paged = [duty for page in simulation.pages for duty in page.people]
    teams = {simulation.team, *(duty.team for duty in paged if duty.team is not None)}
    members = {p for team in teams if (t := config.teams_by_id.get(team)) for p in t.members()}
    return {
        "teams": frozenset(teams),
        "people": frozenset(members | {duty.person for duty in paged}),
    }

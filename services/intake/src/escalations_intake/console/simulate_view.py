"""What the simulate page shows of a ``POST /v1/simulate`` answer. Pure.

Every figure comes from the answer as the API returns it; this only adds people's names
from the configuration and readable offsets from the instant simulated ("+15m"), so the page
and the API say the same thing (docs/console.md, "Simulate").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from escalations.core.config import Config
from escalations.core.durations import format_duration
from escalations_intake.resources.simulate_state import SimulationAnswer

EVENT_LABELS = {"sla_warning": "SLA warning", "sla_breached": "SLA breached"}


def offset(at: datetime, start: datetime) -> str:
    """Return how long after ``start`` an instant is, as ``+15m`` (``+0s`` at the start)."""
    return "+" + format_duration(max(at - start, timedelta(0)))


def result_view(answer: SimulationAnswer, config: Config) -> dict[str, Any]:
    """Return the simulate page's view of an answer (the API's figures, with names)."""
    names = {person.id: person.name for person in config.people}

    def name(person: str | None) -> str | None:
        return names.get(person, person) if person is not None else None

    start = answer.at
    team = config.teams_by_id.get(answer.team)
    return {
        "at": answer.at.isoformat(),
        "tier": answer.priority.tier.value,
        "score": answer.priority.score,
        "reasons": [r.model_dump() for r in answer.priority.reasons],
        "deadlines": [
            {"label": label, "at": at.isoformat(), "after": offset(at, start)}
            for label, at in (
                ("Acknowledge by", answer.deadlines.acknowledge_by),
                ("Resolve by", answer.deadlines.resolve_by),
                ("Regulatory deadline", answer.deadlines.regulatory_deadline),
            )
            if at is not None
        ],
        "rule": answer.route.rule,
        "rule_index": answer.route.index,
        "team": answer.team,
        "team_name": team.name if team is not None else answer.team,
        "owner": answer.owner,
        "owner_name": name(answer.owner),
        "graphic": answer.graphic,
        "dsa_category": answer.dsa_category,
        "flags": [flag.value for flag in answer.assignment.flags],
        "candidates": [
            {
                **c.model_dump(mode="json"),
                "name": name(c.person_id),
            }
            for c in answer.assignment.candidates
        ],
        "pages": [
            {
                "at": p.at.isoformat(),
                "after": offset(p.at, start),
                "level": p.level,
                "round": p.round,
                "people": [
                    {
                        "person": d.person,
                        "name": name(d.person),
                        "target": d.target,
                        "layer": d.layer,
                        "team": d.team,
                    }
                    for d in p.people
                ],
            }
            for p in answer.pages
        ],
        "events": [
            {
                "kind": EVENT_LABELS.get(e.kind, e.kind),
                "budget": e.budget,
                "at": e.at.isoformat(),
                "after": offset(e.at, start),
            }
            for e in answer.events
        ],
        "next_rescore_at": answer.next_rescore_at.isoformat() if answer.next_rescore_at else None,
        "state": _state(answer, name),
    }


def _state(answer: SimulationAnswer, name: Callable[[str], str | None]) -> dict[str, Any]:
    state = answer.state
    return {
        "loads": [
            {**load.model_dump(mode="json"), "name": name(load.person)}
            for load in state.person_load
        ],
        "overrides": [
            {**w.model_dump(mode="json"), "name": name(w.person)} for w in state.overrides
        ],
        "time_off": [{**w.model_dump(mode="json"), "name": name(w.person)} for w in state.time_off],
    }

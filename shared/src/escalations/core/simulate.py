"""What would happen to an escalation created at instant T (``POST /v1/simulate``).

Runs the same ``decide`` as the router, then plays the escalation policy forward as if
nobody acknowledged: who is paged at each level and when (resolved against the schedule at
the instant of each page), and when the SLA warnings and breaches would fire. Stores and
publishes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from escalations.core.assignment import AssignmentDecision, PersonHistory
from escalations.core.config import Config
from escalations.core.config_schedule import Override, TimeOff
from escalations.core.decide import Decision, OnDuty, decide, level_people
from escalations.core.escalation import EscalationIn, SourceKind
from escalations.core.policy import PolicyEvent, timeline
from escalations.core.routing import RouteDecision
from escalations.core.scoring import Deadlines, Priority

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Page(BaseModel):
    """One level paged at one instant, and the people it reaches.

    Level 1 pages the assigned owner; if nobody could be assigned, every level-1 target.
    """

    model_config = _FROZEN

    at: datetime
    level: int
    round: int
    people: tuple[OnDuty, ...]


class Simulation(BaseModel):
    """The answer of ``POST /v1/simulate``."""

    model_config = _FROZEN

    at: datetime
    priority: Priority
    deadlines: Deadlines
    route: RouteDecision
    team: str
    owner: str | None
    assignment: AssignmentDecision
    graphic: bool
    dsa_category: str
    pages: tuple[Page, ...]
    events: tuple[PolicyEvent, ...]
    next_rescore_at: datetime | None


def simulate(
    config: Config,
    esc: EscalationIn,
    *,
    source: str,
    source_kind: SourceKind,
    at: datetime,
    received_at: datetime | None = None,
    reports: int = 1,
    overrides: Sequence[Override] = (),
    time_off: Sequence[TimeOff] = (),
    history: Mapping[str, PersonHistory] | None = None,
) -> Simulation:
    """Answer what would happen to this escalation if it arrived at ``at``."""
    decision = decide(
        config,
        esc,
        source=source,
        source_kind=source_kind,
        at=at,
        received_at=received_at,
        reports=reports,
        overrides=overrides,
        time_off=time_off,
        history=history,
    )
    priority = decision.priority
    events = timeline(
        decision.policy,
        started_at=at,
        sla=config.priority.sla[priority.tier],
        deadlines=priority.deadlines,
        warning_share=config.priority.sla_warning_share,
    )
    return Simulation(
        at=at,
        priority=priority,
        deadlines=priority.deadlines,
        route=decision.route,
        team=decision.team,
        owner=decision.owner,
        assignment=decision.assignment,
        graphic=decision.graphic,
        dsa_category=decision.dsa_category,
        pages=tuple(
            _page(config, decision, event, overrides, time_off)
            for event in events
            if event.kind == "notify"
        ),
        events=tuple(event for event in events if event.kind != "notify"),
        next_rescore_at=decision.next_rescore_at,
    )


def _page(
    config: Config,
    decision: Decision,
    event: PolicyEvent,
    overrides: Sequence[Override],
    time_off: Sequence[TimeOff],
) -> Page:
    level = event.level or 1
    if level == 1 and decision.owner is not None:
        people = tuple(duty for duty in decision.level_one if duty.person == decision.owner)
    else:
        people = level_people(
            config, decision.team, decision.policy, level, event.at, overrides, time_off
        )
    return Page(at=event.at, level=level, round=event.round or 0, people=people)

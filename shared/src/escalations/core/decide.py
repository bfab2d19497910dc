"""The decision for one escalation: score, route, who is on duty, and who owns it.

``decide`` is what the router calls for every escalation (and again when duplicates add
reports or a regulatory clock lifts the tier). Pure: the configuration, the escalation,
the runtime overrides, time off and assignment history, and the instant come in as
arguments; the result is a frozen, JSON-ready record the router stores as-is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from escalations.core.assignment import AssignmentDecision, PersonHistory, assign
from escalations.core.config import Config
from escalations.core.config_schedule import Override, TimeOff
from escalations.core.escalation import EscalationIn, SourceKind, Tier
from escalations.core.policy import EscalationPolicy
from escalations.core.routing import RouteDecision, RouteFacts, route
from escalations.core.schedules import oncall
from escalations.core.scoring import Priority, next_rise, score
from escalations.core.shifts import next_change

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class OnDuty(BaseModel):
    """A person paged by level 1, and the target and layer that put them there."""

    model_config = _FROZEN

    person: str
    target: str
    team: str | None
    layer: str | None


class Decision(BaseModel):
    """Everything decided about an escalation at one instant, ready to store as JSON."""

    model_config = _FROZEN

    at: datetime
    priority: Priority
    route: RouteDecision
    team: str
    graphic: bool
    dsa_category: str
    level_one: tuple[OnDuty, ...]
    owner: str | None
    assignment: AssignmentDecision
    policy: EscalationPolicy
    next_rescore_at: datetime | None


def decide(
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
    level_one_by_team: Mapping[str, tuple[OnDuty, ...]] | None = None,
) -> Decision:
    """Score, route, resolve level 1 and assign an owner for an escalation at ``at``.

    ``level_one_by_team`` is who level 1 pages at ``at`` per team id, where the caller has
    already resolved it (the router does once per batch, for every escalation in it); a team
    missing from it is resolved here.
    """
    received = at if received_at is None else received_at
    priority = score(
        esc,
        source_kind=source_kind,
        received_at=received,
        at=at,
        reports=reports,
        config=config.priority,
    )
    routed = route(config.routing, route_facts(esc, source, source_kind, priority.tier))
    return decide_routed(
        config,
        esc,
        priority,
        routed,
        at=at,
        overrides=overrides,
        time_off=time_off,
        history=history,
        level_one_by_team=level_one_by_team,
    )


def decide_routed(
    config: Config,
    esc: EscalationIn,
    priority: Priority,
    routed: RouteDecision,
    *,
    at: datetime,
    overrides: Sequence[Override] = (),
    time_off: Sequence[TimeOff] = (),
    history: Mapping[str, PersonHistory] | None = None,
    level_one_by_team: Mapping[str, tuple[OnDuty, ...]] | None = None,
) -> Decision:
    """Finish ``decide`` for an escalation already scored and routed under ``config``.

    ``routed`` must be ``route(config.routing, route_facts(...))`` for the escalation at
    ``priority.tier``: a caller that remembers routing decisions (the router) passes the
    one it remembered.
    """
    team = config.team(routed.team)
    policy = team.escalation_policy
    known = level_one_by_team or {}
    level_one = known.get(team.id)
    if level_one is None:
        level_one = level_people(config, team.id, policy, 1, at, overrides, time_off)
    area = config.priority.policy_areas[esc.policy_area]
    graphic = esc.signals.graphic or area.graphic
    assignment = assign(
        [config.candidate(duty.person) for duty in level_one],
        policy_area=esc.policy_area,
        language=esc.language,
        graphic=graphic,
        at=at,
        history=history or {},
        config=config.wellbeing,
    )
    return Decision(
        at=at,
        priority=priority,
        route=routed,
        team=team.id,
        graphic=graphic,
        dsa_category=area.dsa_category,
        level_one=level_one,
        owner=assignment.owner,
        assignment=assignment,
        policy=policy,
        next_rescore_at=next_rise(priority, at=at, config=config.priority),
    )


def route_facts(esc: EscalationIn, source: str, source_kind: SourceKind, tier: Tier) -> RouteFacts:
    """Return the facts routing rules match on for an escalation of a scored tier."""
    return RouteFacts(
        policy_area=esc.policy_area,
        region=esc.region,
        language=esc.language,
        source=source,
        source_kind=source_kind,
        regime=esc.regulatory.regime,
        tier=tier,
    )


def level_people(
    config: Config,
    team_id: str,
    policy: EscalationPolicy,
    level: int,
    at: datetime,
    overrides: Sequence[Override] = (),
    time_off: Sequence[TimeOff] = (),
) -> tuple[OnDuty, ...]:
    """Return who level ``level`` (from 1) of a policy pages at ``at``."""
    only = EscalationPolicy.model_construct(levels=(policy.levels[level - 1],), repeat=0)
    levels = oncall(config, team_id, at, overrides=overrides, time_off=time_off, policy=only)
    return tuple(
        OnDuty.model_construct(
            person=entry.person, target=entry.target, team=entry.team, layer=entry.layer
        )
        for entry in levels[0].people
    )


def level_people_until(
    config: Config,
    team_id: str,
    policy: EscalationPolicy,
    level: int,
    at: datetime,
    overrides: Sequence[Override] = (),
    time_off: Sequence[TimeOff] = (),
    *,
    horizon: timedelta = timedelta(hours=1),
) -> tuple[tuple[OnDuty, ...], datetime]:
    """Return who level ``level`` pages at ``at``, and until when (exclusive) that holds.

    The answer stands until a schedule the level pages from may change (``next_change``),
    and at most ``horizon`` ahead: a caller may use it for any instant in between, with
    the same configuration, overrides and time off.
    """
    people = level_people(config, team_id, policy, level, at, overrides, time_off)
    until = at + horizon
    team = config.team(team_id)
    for target in policy.levels[level - 1].targets:
        if target.kind == "person":
            continue  # a named person is paged whoever is on duty
        owner = team.id if target.kind == "schedule" else str(target.id)
        until = next_change(config, owner, at, until, overrides=overrides, time_off=time_off)
    return people, until

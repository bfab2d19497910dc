"""The ``Decider`` backed by the pure domain core (``escalations.core``)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from escalations.contracts.events import Deadlines, EscalationReceived
from escalations.core import decide as core
from escalations.core.config import Config
from escalations.core.schedules import on_duty
from escalations.core.scoring import score
from escalations_router import metrics
from escalations_router.decision import Decision, Rescore

BUSINESS_HOURS = range(9, 18)
WORKDAYS = range(5)


class CoreDecider:
    """Scores, routes and assigns with the core, for one loaded configuration."""

    def __init__(self, config: Config) -> None:
        self._config = config

    def decide(self, received: EscalationReceived, *, at: datetime) -> Decision:
        """Return the core's decision for a new escalation, as the router stores it."""
        made = core.decide(
            self._config,
            received.request,
            source=received.source,
            source_kind=received.source_kind,
            at=at,
            received_at=received.received_at,
        )
        deadlines = made.priority.deadlines
        if made.owner is not None:
            self._count_assignment(made.team, made.owner, at)
        record = made.assignment.model_dump(mode="json")
        record["level_one"] = [duty.model_dump(mode="json") for duty in made.level_one]
        record["summary"] = _summary(made)
        record["dsa_category"] = made.dsa_category
        record["graphic"] = made.graphic
        return Decision(
            tier=made.priority.tier,
            score=made.priority.score,
            reasons=[reason.model_dump(mode="json") for reason in made.priority.reasons],
            deadlines=Deadlines(
                acknowledge_by=deadlines.acknowledge_by,
                resolve_by=deadlines.resolve_by,
                regulatory_deadline=deadlines.regulatory_deadline,
            ),
            team=made.team,
            owner=made.owner,
            route=made.route.model_dump(mode="json"),
            assignment=record,
            policy_snapshot=made.policy.model_dump(mode="json"),
        )

    def rescore(self, received: EscalationReceived, *, reports: int, at: datetime) -> Rescore:
        """Score again with more reports."""
        priority = score(
            received.request,
            source_kind=received.source_kind,
            received_at=received.received_at,
            at=at,
            reports=reports,
            config=self._config.priority,
        )
        reasons = [reason.model_dump(mode="json") for reason in priority.reasons]
        return Rescore(priority.tier, priority.score, reasons)

    def knows_person(self, person_id: str) -> bool:
        """Return whether the configuration has this person."""
        return person_id in self._config.people_by_id

    def may_act(self, team: str | None, owner: str | None, person_id: str, at: datetime) -> bool:
        """Return whether a person is the owner or on duty for the team at ``at``."""
        if person_id == owner:
            return True
        if team is None or team not in self._config.teams_by_id:
            return False
        return any(duty.person == person_id for duty in on_duty(self._config, team, at))

    def _count_assignment(self, team: str, person_id: str, at: datetime) -> None:
        person = self._config.people_by_id.get(person_id)
        local = at.astimezone(ZoneInfo(person.timezone)) if person else at
        in_hours = local.weekday() in WORKDAYS and local.hour in BUSINESS_HOURS
        metrics.ASSIGNMENTS.labels(team, person_id, str(not in_hours).lower()).inc()


def _summary(made: core.Decision) -> str:
    chosen = next((c for c in made.assignment.candidates if c.chosen), None)
    rule = made.route.rule
    if chosen is None:
        return f"routed by rule '{rule}'; nobody on duty"
    return f"routed by rule '{rule}'; {chosen.person_id}: {chosen.reason}"

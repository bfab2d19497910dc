"""The ``Decider`` and ``Clockwork`` backed by the pure domain core (``escalations.core``).

``CoreDecider`` holds the current configuration (swapped on reload). For each batch the
consumer binds it to the runtime schedule (stored overrides and time off) and the locked
per-person load: every decision of the batch sees the same configuration and schedule,
and each assignment updates the load the next one sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import TypeAdapter

from escalations.contracts.events import EscalationReceived
from escalations.core import decide as core
from escalations.core.config import Config, UnknownIdError
from escalations.core.decide import OnDuty, level_people, level_people_until, route_facts
from escalations.core.escalation import EscalationIn, SourceKind, Tier
from escalations.core.policy import EscalationPolicy
from escalations.core.priority_config import TierSla
from escalations.core.schedules import on_duty
from escalations.core.scoring import Priority, Reason, next_rise, score
from escalations_router.domain.decider import Rescore, StoredDecision
from escalations_router.domain.dumps import Dumps
from escalations_router.domain.duty import HeldDuty, StoredSchedule
from escalations_router.domain.load_book import LoadBook
from escalations_router.domain.records import Escalation
from escalations_router.domain.retried import RETRY_WINDOW
from escalations_router.domain.rise import Rise
from escalations_router.domain.route_memo import ROUTES_REMEMBERED, Routes

_REASONS: TypeAdapter[tuple[Reason, ...]] = TypeAdapter(tuple[Reason, ...])


class CoreDecider:
    """The current configuration; ``bind`` gives a batch its decider.

    What depends on the configuration alone is remembered across batches, and forgotten
    when a reload replaces the configuration: routing decisions by facts, the teams an
    escalation may route to at any tier, the JSON of shared decision parts, and who level 1
    of each team pages (for as long as the schedule object is the same and no handoff,
    window edge, override or leave comes).
    """

    def __init__(self, config: Config, retry_window: timedelta = RETRY_WINDOW) -> None:
        self.config = config
        self.retry_window = retry_window

    @property
    def config(self) -> Config:
        """The configuration new decisions use (set on reload)."""
        return self._config

    @config.setter
    def config(self, config: Config) -> None:
        self._config = config
        self._routes = Routes(config.routing)
        self._teams: dict[tuple[object, ...], frozenset[str]] = {}
        self._duties: dict[str, HeldDuty] = {}
        self._dumps = Dumps()

    def bind(self, schedule: StoredSchedule, book: LoadBook | None = None) -> BoundDecider:
        """Return a decider over this configuration, schedule and person load."""
        window = self.config.wellbeing.window
        return BoundDecider(
            self.config,
            schedule,
            book or LoadBook({}, window),
            self._routes,
            self._teams,
            self._duties,
            self._dumps,
            retry_window=self.retry_window,
        )


@dataclass
class BoundDecider:
    """Decisions for one batch (or one timer sweep)."""

    config: Config
    schedule: StoredSchedule
    book: LoadBook
    # Shared with the ``CoreDecider`` across batches (see there).
    routes: Routes
    teams: dict[tuple[object, ...], frozenset[str]]
    # Level 1 per team, kept while the schedule object is the same and its time lasts.
    duties: dict[str, HeldDuty]
    dumps: Dumps
    rescore_at: dict[str, datetime | None] = field(default_factory=dict)
    # A report with a fingerprint seen this recently is a client's retry (``retried``).
    retry_window: timedelta = RETRY_WINDOW
    # Who level 1 pages, per instant and team: a batch decides all its escalations at
    # one instant against one schedule, so each team is resolved once per batch.
    _level_one: dict[datetime, dict[str, tuple[OnDuty, ...]]] = field(default_factory=dict)

    def reschedule(self, schedule: StoredSchedule) -> None:
        """Decide from now on against ``schedule`` (a command in the batch changed it)."""
        self.schedule = schedule
        self._level_one.clear()

    def decide(self, received: EscalationReceived, *, at: datetime) -> StoredDecision:
        """Return the core's decision for a new escalation, as the router stores it."""
        request, kind = received.request, received.source_kind
        priority = self._score(request, kind, received.received_at, at)
        routed = self.routes(route_facts(request, received.source, kind, priority.tier))
        made = core.decide_routed(
            self.config,
            request,
            priority,
            routed,
            at=at,
            overrides=self.schedule.overrides,
            time_off=self.schedule.time_off,
            history=self.book.history,
            level_one_by_team=self._level_one.get(at),
        )
        if made.owner is not None:
            self.book.assigned(made.owner, at, graphic=made.graphic)
        self.rescore_at[received.escalation_id] = made.next_rescore_at
        # Only the assignment and the reasons are this escalation's own: the route, level 1
        # and the policy are shared objects (memos, the configuration), dumped once each.
        record = made.assignment.model_dump(mode="json")
        # The batch's own tuple (the decision holds a validated copy of it).
        level_one = (self._level_one.get(at) or {}).get(made.team)
        record["level_one"] = self.dumps.of(made.level_one if level_one is None else level_one)
        record["summary"] = _summary(made)
        record["dsa_category"] = made.dsa_category
        record["graphic"] = made.graphic
        return StoredDecision(
            tier=made.priority.tier,
            score=made.priority.score,
            reasons=_REASONS.dump_python(made.priority.reasons, mode="json"),
            deadlines=made.priority.deadlines,
            team=made.team,
            owner=made.owner,
            route=self.dumps.of(made.route),
            assignment=record,
            policy_snapshot=self.dumps.of(made.policy),
            next_rescore_at=made.next_rescore_at,
            graphic=made.graphic,
        )

    def candidates(self, received: EscalationReceived, at: datetime) -> set[str]:
        """Return who assignment may pick for a new escalation (to lock their load first).

        Routing may depend on the tier, and scoring is the costly part of a decision, so this
        takes level 1 of every team the escalation routes to at any tier: a superset, which
        only locks more people, never fewer.
        """
        request, source, kind = received.request, received.source, received.source_kind
        facts = (request.policy_area, request.region, request.language, source, kind)
        key = (*facts, request.regulatory.regime)
        teams = self.teams.get(key)
        if teams is None:  # escalations alike route alike
            found = set()
            for tier in Tier:
                try:
                    routed = self.routes(route_facts(request, source, kind, tier))
                    found.add(self.config.team(routed.team).id)
                except (ValueError, LookupError):
                    continue  # not this tier; if it is the escalation's, decide parks it
            if len(self.teams) >= ROUTES_REMEMBERED:
                self.teams.clear()
            teams = self.teams[key] = frozenset(found)
        return set().union(*(self._level_one_people(team, at) for team in teams))

    def _level_one_people(self, team_id: str, at: datetime) -> set[str]:
        known = self._level_one.setdefault(at, {})
        duty = known.get(team_id)
        if duty is None:
            duty = known[team_id] = self._level_one_at(team_id, at)
        return {entry.person for entry in duty}

    def _level_one_at(self, team_id: str, at: datetime) -> tuple[OnDuty, ...]:
        held = self.duties.get(team_id)
        if held is not None and held.schedule is self.schedule and held.since <= at < held.until:
            return held.duty
        team = self.config.team(team_id)
        duty, until = level_people_until(
            self.config,
            team.id,
            team.escalation_policy,
            1,
            at,
            self.schedule.overrides,
            self.schedule.time_off,
        )
        self.duties[team_id] = HeldDuty(self.schedule, at, until, duty)
        return duty

    def rescore(self, received: EscalationReceived, *, reports: int, at: datetime) -> Rescore:
        """Score again with more reports."""
        priority = self._score(
            received.request, received.source_kind, received.received_at, at, reports
        )
        reasons = _REASONS.dump_python(priority.reasons, mode="json")
        return Rescore(priority.tier, priority.score, reasons)

    def knows_person(self, person_id: str) -> bool:
        """Return whether the configuration has this person."""
        return person_id in self.config.people_by_id

    def may_act(self, team: str | None, owner: str | None, person_id: str, at: datetime) -> bool:
        """Return whether a person is the owner or on duty for the team at ``at``."""
        if person_id == owner:
            return True
        if team is None or team not in self.config.teams_by_id:
            return False
        duty = on_duty(
            self.config,
            team,
            at,
            overrides=self.schedule.overrides,
            time_off=self.schedule.time_off,
        )
        return any(entry.person == person_id for entry in duty)

    def sla(self, tier: Tier) -> TierSla:
        """Return the tier's acknowledge and resolve budgets."""
        return self.config.priority.sla[tier]

    @property
    def warning_share(self) -> float:
        """Return the share of a budget at which an SLA warning goes out."""
        return self.config.priority.sla_warning_share

    def level_targets(
        self, team: str | None, policy: EscalationPolicy, level: int, at: datetime
    ) -> tuple[str, ...]:
        """Return who level ``level`` (from 1) of the snapshotted policy pages at ``at``."""
        if team is None or not 1 <= level <= len(policy.levels):
            return ()
        try:
            duty = level_people(
                self.config,
                team,
                policy,
                level,
                at,
                self.schedule.overrides,
                self.schedule.time_off,
            )
        except UnknownIdError:
            # The configuration was reloaded without this team or a target: page nobody
            # rather than crash; the history says "nobody on duty".
            return ()
        return tuple(dict.fromkeys(entry.person for entry in duty))

    def rise(self, row: Escalation, at: datetime) -> Rise:
        """Score the escalation again at ``at`` as its regulatory clock runs down."""
        request = EscalationIn.model_validate(row.request)
        priority = self._score(
            request, SourceKind(row.source_kind), row.received_at, at, row.reports
        )
        return Rise(
            tier=priority.tier,
            score=priority.score,
            reasons=_REASONS.dump_python(priority.reasons, mode="json"),
            next_rise=next_rise(priority, at=at, config=self.config.priority),
        )

    def _score(
        self,
        request: EscalationIn,
        source_kind: SourceKind,
        received_at: datetime,
        at: datetime,
        reports: int = 1,
    ) -> Priority:
        return score(
            request,
            source_kind=source_kind,
            received_at=received_at,
            at=at,
            reports=reports,
            config=self.config.priority,
        )


def _summary(made: core.Decision) -> str:
    chosen = next((c for c in made.assignment.candidates if c.chosen), None)
    rule = made.route.rule
    if chosen is None:
        return f"routed by rule '{rule}'; nobody on duty"
    return f"routed by rule '{rule}'; {chosen.person_id}: {chosen.reason}"

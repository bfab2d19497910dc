"""Priority configuration: weights, severities, floors, tiers, SLAs and clocks.

Every number is a configurable default because legal teams revise clocks and leads tune
weights; ``PriorityConfig()`` gives the defaults of docs/contract/priority-and-assignment.md.
Partial maps in YAML (one policy area, one regime) are merged over the defaults rather than
replacing them (docs/contract/configuration.md, "`priority`").
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from escalations.core import priority_defaults as defaults
from escalations.core.durations import Duration
from escalations.core.escalation import Imminence, Minors, PolicyArea, Regime, SourceKind, Tier
from escalations.core.priority_floors import FloorRule, FloorTable, check_floor_names, floor_table
from escalations.core.priority_weights import Points, Severity, Weights, merged

_FROZEN = ConfigDict(frozen=True, extra="forbid")

Share = Annotated[float, Field(gt=0.0, lt=1.0)]


def _complete(mapping: dict[Any, Any], enum: type[Any], what: str) -> None:
    missing = [member.value for member in enum if member not in mapping]
    if missing:
        raise ValueError(f"{what}: missing entries for {', '.join(missing)}")


class SeverityRaise(BaseModel):
    """Raise an area's severity when a signal shows the worse form of the harm."""

    model_config = _FROZEN

    severity: Severity
    imminence_at_least: Imminence | None = None
    minors_at_least: Minors | None = None

    @model_validator(mode="after")
    def _needs_condition(self) -> SeverityRaise:
        if self.imminence_at_least is None and self.minors_at_least is None:
            raise ValueError("a severity raise needs imminence_at_least or minors_at_least")
        return self


class PolicyAreaConfig(BaseModel):
    """Severity baseline, graphic default and DSA category of one policy area."""

    model_config = _FROZEN

    severity: Severity
    graphic: bool = False
    dsa_category: Annotated[str, Field(pattern=r"^[A-Z][A-Z_]*$")]
    raises: tuple[SeverityRaise, ...] = ()

    @model_validator(mode="after")
    def _raises_go_up(self) -> PolicyAreaConfig:
        for raise_ in self.raises:
            if raise_.severity <= self.severity:
                raise ValueError(
                    f"raise to severity {raise_.severity} is not above the baseline "
                    f"{self.severity}; a raise must increase severity"
                )
        return self


class TierThresholds(BaseModel):
    """Lowest score of each tier; below ``p3`` is P4."""

    model_config = _FROZEN

    p0: Points = 80.0
    p1: Points = 55.0
    p2: Points = 35.0
    p3: Points = 15.0

    @model_validator(mode="after")
    def _descending(self) -> TierThresholds:
        if not self.p0 > self.p1 > self.p2 > self.p3:
            raise ValueError(
                f"tier thresholds must strictly descend p0 > p1 > p2 > p3, got "
                f"{self.p0} / {self.p1} / {self.p2} / {self.p3}"
            )
        return self

    def tier_for(self, score: float) -> Tier:
        """Return the tier a score falls in."""
        for threshold, tier in (
            (self.p0, Tier.P0),
            (self.p1, Tier.P1),
            (self.p2, Tier.P2),
            (self.p3, Tier.P3),
        ):
            if score >= threshold:
                return tier
        return Tier.P4


class DeadlineTier(BaseModel):
    """With at most ``within`` left on the earliest regulatory clock (None: any), be ``tier``+."""

    model_config = _FROZEN

    within: Duration | None = None
    tier: Tier


class StakeholderCeiling(BaseModel):
    """Keep escalations whose urgency is only stakeholder pressure at or below ``tier``."""

    model_config = _FROZEN

    enabled: bool = True
    tier: Tier = Tier.P2
    max_severity: Severity = 2
    exempt_sources: tuple[SourceKind, ...] = (
        SourceKind.REGULATOR,
        SourceKind.LAW_ENFORCEMENT,
        SourceKind.TRUSTED_FLAGGER,
    )


class TierSla(BaseModel):
    """Acknowledge and resolve budgets of one tier."""

    model_config = _FROZEN

    acknowledge: Duration
    resolve: Duration

    @model_validator(mode="after")
    def _ack_first(self) -> TierSla:
        if self.acknowledge >= self.resolve:
            raise ValueError("acknowledge budget must be shorter than the resolve budget")
        return self


class PriorityConfig(BaseModel):
    """Everything that turns an escalation into a score, a tier and deadlines."""

    model_config = _FROZEN

    policy_areas: dict[PolicyArea, PolicyAreaConfig] = Field(default_factory=lambda: _areas())
    serious_severity: Severity = 3
    weights: Weights = Field(default_factory=Weights)
    tiers: TierThresholds = Field(default_factory=TierThresholds)
    floors: tuple[FloorRule, ...] = Field(default_factory=lambda: _floors())
    deadline_tiers: tuple[DeadlineTier, ...] = Field(default_factory=lambda: _deadline_tiers())
    ceiling: StakeholderCeiling = Field(default_factory=StakeholderCeiling)
    sla: dict[Tier, TierSla] = Field(default_factory=lambda: _sla())
    clocks: dict[Regime, Duration | None] = Field(default_factory=lambda: _clocks())
    resolve_buffer_share: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.2
    resolve_buffer_min: Duration = timedelta(minutes=10)
    sla_warning_share: Share = 0.75

    _floors_by_facts: FloorTable = PrivateAttr(default_factory=dict)

    @field_validator("policy_areas", mode="before")
    @classmethod
    def _merge_areas(cls, value: object) -> object:
        return merged(defaults.POLICY_AREAS, value, deep=True)

    @field_validator("sla", mode="before")
    @classmethod
    def _merge_sla(cls, value: object) -> object:
        return merged(defaults.SLA, value, deep=True)

    @field_validator("clocks", mode="before")
    @classmethod
    def _merge_clocks(cls, value: object) -> object:
        return merged(defaults.CLOCKS, value)

    @model_validator(mode="after")
    def _consistent(self) -> PriorityConfig:
        _complete(self.policy_areas, PolicyArea, "policy_areas")
        _complete(self.sla, Tier, "sla")
        check_floor_names(self.floors)
        _check_deadline_tiers(self.deadline_tiers)
        _check_sla_order(self.sla)
        if self.clocks.get(Regime.NONE) is not None:
            raise ValueError("clocks: regime 'none' cannot have a clock; remove it or set null")
        return self

    def model_post_init(self, context: Any, /) -> None:
        """Build the floor table once, with the configuration (see ``floor_table``)."""
        self._floors_by_facts = floor_table(self.floors)

    def floors_for(
        self, area: PolicyArea, regime: Regime, source_kind: SourceKind
    ) -> tuple[FloorRule, ...]:
        """Return the floors whose area, regime and source conditions these facts meet.

        The rest of each floor's conditions (signals, severity) still decide whether it
        fires (``scoring_factors.fires``).
        """
        return self._floors_by_facts[area, regime, source_kind]


def _check_deadline_tiers(rules: tuple[DeadlineTier, ...]) -> None:
    ordered = sorted(rules, key=lambda rule: rule.within or timedelta.max)
    ranks = [rule.tier.rank for rule in ordered]
    if ranks != sorted(ranks) or len(set(ranks)) != len(ranks):
        listing = ", ".join(f"{rule.within or 'any'} -> {rule.tier.value}" for rule in ordered)
        raise ValueError(
            f"deadline_tiers: less time left must give a strictly more urgent tier, got {listing}"
        )


def _check_sla_order(sla: dict[Tier, TierSla]) -> None:
    tiers = sorted(sla, key=lambda tier: tier.rank)
    for urgent, relaxed in itertools.pairwise(tiers):
        for budget in ("acknowledge", "resolve"):
            if getattr(sla[urgent], budget) > getattr(sla[relaxed], budget):
                raise ValueError(
                    f"sla: {urgent.value} {budget} budget is longer than {relaxed.value}'s; "
                    "a more urgent tier needs a budget no longer than a less urgent one"
                )


def _areas() -> dict[PolicyArea, PolicyAreaConfig]:
    return {
        PolicyArea(area): PolicyAreaConfig.model_validate(raw)
        for area, raw in defaults.POLICY_AREAS.items()
    }


def _floors() -> tuple[FloorRule, ...]:
    return tuple(FloorRule.model_validate(raw) for raw in defaults.FLOORS)


def _deadline_tiers() -> tuple[DeadlineTier, ...]:
    return tuple(DeadlineTier.model_validate(raw) for raw in defaults.DEADLINE_TIERS)


def _sla() -> dict[Tier, TierSla]:
    return {Tier(tier): TierSla.model_validate(raw) for tier, raw in defaults.SLA.items()}


def _clocks() -> dict[Regime, timedelta | None]:
    return {Regime(regime): length for regime, length in defaults.CLOCKS.items()}

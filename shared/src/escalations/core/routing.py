"""Routing rules: ordered, first match wins, with a default team.

The rules' format: docs/contract/configuration.md, "`routing`".

Rules are data matched against the facts of one escalation, like Alertmanager routes: the
matched rule (name and index) goes into the decision record so a lead can see why a team
got the escalation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from escalations.core.escalation import PolicyArea, Regime, SourceKind, Tier

_FROZEN = ConfigDict(frozen=True, extra="forbid")

Name = Annotated[str, Field(min_length=1, max_length=80)]
RegionCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
LanguageTag = Annotated[str, Field(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$")]
DEFAULT_RULE = "default"


@dataclass(frozen=True, slots=True)
class RouteFacts:
    """What routing rules can match on for one escalation."""

    policy_area: PolicyArea
    region: str | None = None
    language: str | None = None
    source: str | None = None
    source_kind: SourceKind | None = None
    regime: Regime = Regime.NONE
    tier: Tier | None = None


class RoutingMatch(BaseModel):
    """Conditions of one rule; every given condition must hold, any listed value matches.

    A language condition ``en`` also matches regional variants such as ``en-GB``.
    """

    model_config = _FROZEN

    policy_area: tuple[PolicyArea, ...] | None = None
    region: tuple[RegionCode, ...] | None = None
    language: tuple[LanguageTag, ...] | None = None
    source: tuple[Name, ...] | None = None
    source_kind: tuple[SourceKind, ...] | None = None
    regime: tuple[Regime, ...] | None = None
    tier: tuple[Tier, ...] | None = None

    _languages: frozenset[str] = PrivateAttr(default=frozenset())

    @field_validator("*", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        # A single value in YAML (``tier: P0``) means a list of one.
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _not_empty(self) -> RoutingMatch:
        fields = type(self).model_fields
        given = {name: getattr(self, name) for name in fields}
        empty = [name for name, value in given.items() if value == ()]
        if empty:
            raise ValueError(f"empty condition(s) {empty}: omit a condition or list values")
        if all(value is None for value in given.values()):
            raise ValueError("a rule needs at least one condition; use default_team for the rest")
        return self

    def model_post_init(self, context: Any, /) -> None:
        """Precompute the lower-cased languages so matching does no string work."""
        self._languages = frozenset(lang.lower() for lang in self.language or ())

    def matches(self, facts: RouteFacts) -> bool:
        """Return whether every condition of this match holds for the facts."""
        return (
            _holds(self.policy_area, facts.policy_area)
            and _holds(self.region, facts.region)
            and _holds(self.source, facts.source)
            and _holds(self.source_kind, facts.source_kind)
            and _holds(self.regime, facts.regime)
            and _holds(self.tier, facts.tier)
            and (self.language is None or self._language_matches(facts.language))
        )

    def _language_matches(self, language: str | None) -> bool:
        if language is None:
            return False
        wanted = language.lower()
        return wanted in self._languages or wanted.split("-", 1)[0] in self._languages


def _holds(allowed: tuple[Any, ...] | None, value: Any) -> bool:
    return allowed is None or (value is not None and value in allowed)


class RoutingRule(BaseModel):
    """Send escalations matching ``match`` to ``team``."""

    model_config = _FROZEN

    name: Name
    match: RoutingMatch
    team: Name


class RoutingConfig(BaseModel):
    """Ordered routing rules and the team that takes everything else."""

    model_config = _FROZEN

    rules: tuple[RoutingRule, ...] = ()
    default_team: Name

    @model_validator(mode="after")
    def _unique_names(self) -> RoutingConfig:
        seen: set[str] = set()
        for index, rule in enumerate(self.rules):
            if rule.name in seen:
                raise ValueError(f"rules[{index}]: duplicate rule name {rule.name!r}")
            if rule.name == DEFAULT_RULE:
                raise ValueError(f"rules[{index}]: the name {DEFAULT_RULE!r} is reserved")
            seen.add(rule.name)
        return self


class RouteDecision(BaseModel):
    """The team picked and the rule that picked it (``default`` with no index if none)."""

    model_config = _FROZEN

    team: str
    rule: str
    index: int | None


def route(config: RoutingConfig, facts: RouteFacts) -> RouteDecision:
    """Return the team of the first rule matching the facts, else the default team."""
    for index, rule in enumerate(config.rules):
        if rule.match.matches(facts):
            return RouteDecision(team=rule.team, rule=rule.name, index=index)
    return RouteDecision(team=config.default_team, rule=DEFAULT_RULE, index=None)

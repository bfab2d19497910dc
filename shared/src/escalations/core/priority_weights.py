"""Points per factor of the priority score, with their defaults.

The factors and their points: docs/contract/priority-and-assignment.md, "Score".

Partial maps in YAML (one source kind, one regime) are merged over the defaults.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from escalations.core import priority_defaults as defaults
from escalations.core.escalation import Imminence, Minors, Regime, SourceKind

_FROZEN = ConfigDict(frozen=True, extra="forbid")

Points = Annotated[float, Field(ge=0.0, le=100.0)]
Severity = Annotated[int, Field(ge=1, le=5)]


def merged(default: dict[Any, Any], given: object, *, deep: bool = False) -> object:
    """Merge a partial mapping from YAML over the defaults (one level deeper if ``deep``)."""
    if not isinstance(given, dict):
        return given
    merged = dict(default)
    for key, value in given.items():
        base = default.get(key)
        if deep and isinstance(value, dict) and isinstance(base, dict):
            merged[key] = {**base, **value}
        else:
            merged[key] = value
    return merged


class Weights(BaseModel):
    """Points per factor of the additive score."""

    model_config = _FROZEN

    severity_points: dict[Severity, Points] = Field(
        default_factory=lambda: dict(defaults.SEVERITY_POINTS)
    )
    reach_points_per_decade: Points = 3.5
    reach_cap: Points = 21.0
    accounts_points_per_decade: Points = 3.0
    followers_points_per_decade: Points = 1.5
    actor_cap: Points = 12.0
    damping_floor: Annotated[float, Field(ge=0.0, le=1.0)] = 0.4
    imminence_points: dict[Imminence, Points] = Field(
        default_factory=lambda: dict(defaults.IMMINENCE_POINTS)
    )
    minors_points: dict[Minors, Points] = Field(
        default_factory=lambda: dict(defaults.MINORS_POINTS)
    )
    at_risk_user_points: Points = 8.0
    source_points: dict[SourceKind, Points] = Field(
        default_factory=lambda: dict(defaults.SOURCE_POINTS)
    )
    legal_exposure_points: dict[Regime, Points] = Field(
        default_factory=lambda: dict(defaults.LEGAL_EXPOSURE_POINTS)
    )
    report_points_per_doubling: Points = 3.0
    report_cap: Points = 10.0
    attention_points: dict[str, Points] = Field(
        default_factory=lambda: dict(defaults.ATTENTION_POINTS)
    )
    attention_cap: Points = 8.0
    attention_from_source: dict[SourceKind, str] = Field(
        default_factory=lambda: dict(defaults.ATTENTION_FROM_SOURCE)
    )

    @field_validator("severity_points", mode="before")
    @classmethod
    def _merge_severity(cls, value: object) -> object:
        return merged(defaults.SEVERITY_POINTS, value)

    @field_validator("imminence_points", mode="before")
    @classmethod
    def _merge_imminence(cls, value: object) -> object:
        return merged(defaults.IMMINENCE_POINTS, value)

    @field_validator("minors_points", mode="before")
    @classmethod
    def _merge_minors(cls, value: object) -> object:
        return merged(defaults.MINORS_POINTS, value)

    @field_validator("source_points", mode="before")
    @classmethod
    def _merge_sources(cls, value: object) -> object:
        return merged(defaults.SOURCE_POINTS, value)

    @field_validator("legal_exposure_points", mode="before")
    @classmethod
    def _merge_exposure(cls, value: object) -> object:
        return merged(defaults.LEGAL_EXPOSURE_POINTS, value)

    @model_validator(mode="after")
    def _consistent(self) -> Weights:
        points = [self.severity_points[level] for level in sorted(self.severity_points)]
        if sorted(self.severity_points) != [1, 2, 3, 4, 5]:
            raise ValueError("severity_points: give points for severities 1 to 5")
        if points != sorted(points):
            raise ValueError("severity_points: points must not fall as severity rises")
        _check_rising(self.imminence_points, list(Imminence), "imminence_points")
        _check_rising(self.minors_points, list(Minors), "minors_points")
        signals = set(defaults.ATTENTION_POINTS)
        if set(self.attention_points) - signals:
            raise ValueError(
                f"attention_points: unknown signal(s) "
                f"{sorted(set(self.attention_points) - signals)}; known: {sorted(signals)}"
            )
        unknown = set(self.attention_from_source.values()) - set(self.attention_points)
        if unknown:
            raise ValueError(
                f"attention_from_source: unknown attention signal(s) {sorted(unknown)}; "
                f"known: {sorted(self.attention_points)}"
            )
        return self


def _check_rising(mapping: dict[Any, float], order: list[Any], what: str) -> None:
    values = [mapping[member] for member in order]
    if values != sorted(values):
        raise ValueError(f"{what}: points must not fall as the signal gets worse")

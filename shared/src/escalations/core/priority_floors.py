"""Floor rules: lift the tier to at least a level when conditions hold.

The default floors: docs/contract/priority-and-assignment.md, "Floors".

A floor fires on the facts of an escalation (policy area, regime, source kind) and on its
signals and severity. The first three are members of finite enums, so ``floor_table``
sorts the floors by them once, when the configuration is built: scoring then looks up the
floors that may fire instead of testing every floor against every escalation.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from escalations.core.escalation import Imminence, Minors, PolicyArea, Regime, SourceKind, Tier
from escalations.core.priority_weights import Severity

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class FloorRule(BaseModel):
    """A rule that lifts the tier to at least ``tier`` when all its conditions hold."""

    model_config = _FROZEN

    name: Annotated[str, Field(min_length=1, max_length=80)]
    tier: Tier
    detail: Annotated[str, Field(max_length=200)] = ""
    policy_areas: tuple[PolicyArea, ...] | None = None
    regimes: tuple[Regime, ...] | None = None
    source_kinds: tuple[SourceKind, ...] | None = None
    imminence_at_least: Imminence | None = None
    minors_at_least: Minors | None = None
    ongoing: bool | None = None
    min_severity: Severity | None = None

    @model_validator(mode="after")
    def _needs_condition(self) -> FloorRule:
        conditions = (
            self.policy_areas,
            self.regimes,
            self.source_kinds,
            self.imminence_at_least,
            self.minors_at_least,
            self.ongoing,
            self.min_severity,
        )
        if all(condition is None for condition in conditions):
            raise ValueError(f"floor {self.name!r} has no condition; it would fire always")
        for field in ("policy_areas", "regimes", "source_kinds"):
            if getattr(self, field) == ():
                raise ValueError(f"floor {self.name!r}: {field} is empty; omit it or list values")
        return self


FloorTable = dict[tuple[PolicyArea, Regime, SourceKind], tuple[FloorRule, ...]]
"""The floors whose area, regime and source conditions hold, for every such triple."""


def check_floor_names(floors: tuple[FloorRule, ...]) -> None:
    """Refuse two floors of one name (a reason names its floor)."""
    seen: set[str] = set()
    for floor in floors:
        if floor.name in seen:
            raise ValueError(f"floors: duplicate floor name {floor.name!r}")
        seen.add(floor.name)


def floor_table(floors: tuple[FloorRule, ...]) -> FloorTable:
    """Return, per (area, regime, source kind), the floors whose conditions on them hold.

    Each floor keeps its place in ``floors`` (reasons list floors in configured order).
    """
    areas = {area: _holding(floors, "policy_areas", area) for area in PolicyArea}
    regimes = {regime: _holding(floors, "regimes", regime) for regime in Regime}
    kinds = {kind: _holding(floors, "source_kinds", kind) for kind in SourceKind}
    by_mask: dict[int, tuple[FloorRule, ...]] = {}
    table: FloorTable = {}
    for area, area_mask in areas.items():
        for regime, regime_mask in regimes.items():
            both = area_mask & regime_mask
            for kind, kind_mask in kinds.items():
                mask = both & kind_mask
                found = by_mask.get(mask)
                if found is None:
                    found = by_mask[mask] = tuple(
                        floor for index, floor in enumerate(floors) if mask >> index & 1
                    )
                table[area, regime, kind] = found
    return table


def _holding(floors: tuple[FloorRule, ...], field: str, member: object) -> int:
    # A bit per floor whose condition on ``field`` holds for ``member`` (None: any).
    mask = 0
    for index, floor in enumerate(floors):
        allowed = getattr(floor, field)
        if allowed is None or member in allowed:
            mask |= 1 << index
    return mask

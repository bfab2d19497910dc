"""An escalation policy as configured: ordered levels of targets, repeated, then a breach.

Stepping through a policy over time is ``policy.py``; a rising tier is ``rising.py``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from escalations.core.durations import Duration

_FROZEN = ConfigDict(frozen=True, extra="forbid")

TargetKind = Literal["schedule", "team", "person"]


class PolicyTarget(BaseModel):
    """Who a level pages: this team's on-duty people, another team's, or one person."""

    model_config = _FROZEN

    kind: TargetKind
    id: Annotated[str, Field(min_length=1, max_length=80)] | None = None

    @model_validator(mode="after")
    def _id_fits_kind(self) -> PolicyTarget:
        if self.kind == "schedule" and self.id is not None:
            raise ValueError(
                "a 'schedule' target pages this team's on-duty people and takes no id; "
                "use kind 'team' with an id for another team"
            )
        if self.kind != "schedule" and self.id is None:
            raise ValueError(f"a '{self.kind}' target needs an id naming the {self.kind}")
        return self


class PolicyLevel(BaseModel):
    """One level: its targets, paged together.

    The level lasts the tier's acknowledge budget unless ``escalate_after`` sets its own.
    """

    model_config = _FROZEN

    targets: Annotated[tuple[PolicyTarget, ...], Field(min_length=1)]
    escalate_after: Duration | None = None


class EscalationPolicy(BaseModel):
    """Ordered levels, gone through ``repeat + 1`` times before the acknowledge breach."""

    model_config = _FROZEN

    levels: Annotated[tuple[PolicyLevel, ...], Field(min_length=1)] = (
        PolicyLevel(targets=(PolicyTarget(kind="schedule"),)),
    )
    repeat: Annotated[int, Field(ge=0, le=10)] = 0

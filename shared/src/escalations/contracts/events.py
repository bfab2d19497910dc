"""Versioned payload schemas of every event type, and the registry that maps type to topic.

Events are past tense (``escalation.assigned``); commands from the intake to the router are
``*_requested``. Payloads are frozen and strict so a producer bug fails loudly at the edge.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from escalations.core.escalation import (
    ContentRef,
    EscalationIn,
    PolicyArea,
    SourceKind,
    Tier,
    no_nul,
)

_STRICT = ConfigDict(frozen=True, extra="forbid")
PersonId = Annotated[str, Field(min_length=1, max_length=100)]
# The ``source`` of a command a person sent (personal token or session), never a source
# name (those hold no colon): the router records it as that person's doing
# (docs/contract/http-api.md, "Personal API tokens").
PERSON_SOURCE_PREFIX = "person:"


class Status(StrEnum):
    """Lifecycle status of an escalation (docs/contract/http-api.md, "The escalation's state")."""

    RECEIVED = "received"
    ASSIGNED = "assigned"
    ESCALATED = "escalated"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Resolution(StrEnum):
    """How an escalation was closed."""

    ACTIONED = "actioned"
    NO_VIOLATION = "no_violation"
    DUPLICATE = "duplicate"
    REFERRED = "referred"


class SlaKind(StrEnum):
    """Which clock a warning or breach is about."""

    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"
    REGULATORY = "regulatory"


class Deadlines(BaseModel):
    """The three clocks of an escalation."""

    model_config = _STRICT

    acknowledge_by: datetime | None = None
    resolve_by: datetime | None = None
    regulatory_deadline: datetime | None = None


# --- commands and intake events (topic escalations.intake.v1) ---------------------------


class EscalationReceived(BaseModel):
    """An upstream source submitted an escalation (possibly a repeat report)."""

    model_config = _STRICT

    escalation_id: str
    source: str
    source_kind: SourceKind
    received_at: datetime
    request: EscalationIn
    # Set when the intake saw the key's latest escalation resolved: this report opens a new
    # escalation (``escalation_id``) that follows that one (docs/refires-and-retries.md,
    # "Re-fires").
    follows: str | None = None
    # SHA-256 (hex) of the source and the request as validated, set by the intake: a report
    # with the same fingerprint within the retry window is a client's retry, not a new
    # report (docs/refires-and-retries.md, "Retried reports"). None: always counted.
    fingerprint: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None


class AcknowledgeRequested(BaseModel):
    """Someone asked to acknowledge an escalation."""

    model_config = _STRICT

    escalation_id: str
    by: PersonId
    source: str
    requested_at: datetime


class ResolveRequested(BaseModel):
    """Someone asked to resolve an escalation."""

    model_config = _STRICT

    escalation_id: str
    by: PersonId
    resolution: Resolution
    note: Annotated[str, Field(max_length=5000), AfterValidator(no_nul)] | None = None
    source: str
    requested_at: datetime


class ReassignRequested(BaseModel):
    """Someone asked to hand an escalation to another person."""

    model_config = _STRICT

    escalation_id: str
    by: PersonId
    to: PersonId
    reason: Annotated[str, Field(max_length=2000), AfterValidator(no_nul)] | None = None
    source: str
    requested_at: datetime


class RevealRequested(BaseModel):
    """A person saw a sensitive escalation's content: it counts toward their exposure."""

    model_config = _STRICT

    escalation_id: str
    by: PersonId
    source: str
    requested_at: datetime


class OverrideRequested(BaseModel):
    """Someone asked that a person cover a team's primary rotation in a window."""

    model_config = _STRICT

    override_id: str
    team: str
    person: PersonId
    start: datetime
    end: datetime
    source: str
    requested_at: datetime


class TimeOffRequested(BaseModel):
    """Someone asked that a person be skipped by every rotation in a window."""

    model_config = _STRICT

    time_off_id: str
    person: PersonId
    start: datetime
    end: datetime
    reason: Annotated[str, Field(max_length=500), AfterValidator(no_nul)] | None = None
    source: str
    requested_at: datetime


# --- router events (topic escalations.events.v1) ----------------------------------------


class EscalationSummary(BaseModel):
    """What a notification needs to know about an escalation, as of the event."""

    model_config = _STRICT

    id: str
    title: str
    description: str | None = None
    policy_area: PolicyArea
    sensitive: bool
    tier: Tier
    score: int
    status: Status
    team: str | None = None
    owner: str | None = None
    level: int = 1
    reports: int = 1
    source: str
    source_kind: SourceKind
    region: str | None = None
    language: str | None = None
    content_refs: tuple[ContentRef, ...] = ()
    deadlines: Deadlines = Deadlines()
    created_at: datetime


class EscalationAssigned(BaseModel):
    """The router chose an owner; the owner is paged by their rules for the tier."""

    model_config = _STRICT

    escalation: EscalationSummary
    owner: PersonId
    team: str
    previous_owner: str | None = None
    # Who reassigned it; None when the router assigned it on arrival.
    reassigned_by: PersonId | None = None


class EscalationEscalated(BaseModel):
    """Nobody acknowledged in time: the next level's targets are paged."""

    model_config = _STRICT

    escalation: EscalationSummary
    level: int
    round: int = 1
    targets: tuple[PersonId, ...]


class EscalationAcknowledged(BaseModel):
    """A person took the escalation; its escalation timer stopped."""

    model_config = _STRICT

    escalation: EscalationSummary
    by: PersonId


class EscalationResolved(BaseModel):
    """The escalation is closed."""

    model_config = _STRICT

    escalation: EscalationSummary
    by: PersonId
    resolution: Resolution
    note: str | None = None


class SlaWarning(BaseModel):
    """A share of an SLA budget is used up (default 75 %)."""

    model_config = _STRICT

    escalation: EscalationSummary
    kind: SlaKind
    due_at: datetime


class SlaBreached(BaseModel):
    """An SLA or regulatory clock passed without the required action."""

    model_config = _STRICT

    escalation: EscalationSummary
    kind: SlaKind
    due_at: datetime


class DuplicateMerged(BaseModel):
    """A repeat report was merged into an existing escalation."""

    model_config = _STRICT

    escalation: EscalationSummary
    reports: int
    previous_tier: Tier
    tier: Tier


class RiseCause(StrEnum):
    """What raised an escalation's tier."""

    REPORT = "report"  # a repeat report merged into it
    REGULATORY_CLOCK = "regulatory_clock"  # its regulatory clock ran down


class TierRaised(BaseModel):
    """The tier rose: the level in progress is notified again at the new urgency.

    ``targets`` are who that level reaches (the owner in level 1's first round, else the
    level's people); empty when the escalation is acknowledged, so nobody is paged again.
    ``deadlines`` are the new ones: the new tier's budgets run from ``raised_at``, never
    later than before.
    """

    model_config = _STRICT

    escalation: EscalationSummary
    previous_tier: Tier
    tier: Tier
    score: int
    cause: RiseCause
    detail: Annotated[str, Field(max_length=500)]
    level: int
    round: int = 1
    targets: tuple[PersonId, ...]
    deadlines: Deadlines
    raised_at: datetime

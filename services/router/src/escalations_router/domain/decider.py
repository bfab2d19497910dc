"""The router's port to the domain core: what it needs decided, as plain values.

``StoredDecision`` is the core's decision (``escalations.core.decide.Decision``, frozen
models) in the form the escalation record stores it: tier and score apart, the route,
assignment and policy as JSON-ready data. ``core_decider`` turns one into the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from escalations.contracts.events import EscalationReceived
from escalations.core.escalation import Tier


class Due(Protocol):
    """Deadlines as the router reads them: the contract's ``Deadlines`` or the core's own."""

    @property
    def acknowledge_by(self) -> datetime | None:
        """When the escalation must be acknowledged."""
        ...

    @property
    def resolve_by(self) -> datetime | None:
        """When it must be resolved."""
        ...

    @property
    def regulatory_deadline(self) -> datetime | None:
        """When its regulatory clock runs out, if it has one."""
        ...


@dataclass(frozen=True)
class StoredDecision:
    """Priority, route and owner for one escalation, with the JSON that explains them."""

    tier: Tier
    score: int
    reasons: list[dict[str, Any]]
    deadlines: Due
    team: str
    owner: str | None
    route: dict[str, Any] = field(default_factory=dict)
    assignment: dict[str, Any] = field(default_factory=dict)
    policy_snapshot: dict[str, Any] = field(default_factory=dict)
    next_rescore_at: datetime | None = None
    graphic: bool = False


@dataclass(frozen=True)
class Rescore:
    """A new priority after more reports; the caller never lets the tier fall.

    No deadlines: a rise runs the new tier's budgets from its own instant (``rise``).
    """

    tier: Tier
    score: int
    reasons: list[dict[str, Any]]


class Decider(Protocol):
    """Decisions the router asks of the domain core."""

    def decide(self, received: EscalationReceived, *, at: datetime) -> StoredDecision:
        """Score, route and assign a new escalation."""
        ...

    def rescore(self, received: EscalationReceived, *, reports: int, at: datetime) -> Rescore:
        """Score an escalation again with more reports."""
        ...

    @property
    def retry_window(self) -> timedelta:
        """How long a report with the same fingerprint is a client's retry, not a new one."""
        ...

    def knows_person(self, person_id: str) -> bool:
        """Return whether the configuration has this person."""
        ...

    def may_act(self, team: str | None, owner: str | None, person_id: str, at: datetime) -> bool:
        """Return whether a person may acknowledge: the owner or someone on duty for the team."""
        ...

"""The escalation and clock records the router's domain reads and changes.

Plain slots dataclasses holding exactly the columns of the ``escalations`` and
``router_clocks`` tables (docs/architecture.md, "Tables"). The state machine, the clocks
and the decider change them in place; the Postgres adapter (``postgres.store``) builds them
from rows and writes them back whole. Required fields come first, in table order; the
rest carry the tables' defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class Escalation:
    """The current state of one escalation (a row of ``escalations``)."""

    id: str
    source: str
    source_kind: str
    status: str
    title: str
    policy_area: str
    tier: str
    score: int
    request: dict[str, Any]
    priority: dict[str, Any]
    received_at: datetime
    created_at: datetime
    updated_at: datetime
    external_id: str | None = None
    team: str | None = None
    owner: str | None = None
    level: int = 1
    reports: int = 1
    assignment: dict[str, Any] | None = None
    policy_snapshot: dict[str, Any] | None = None
    acknowledge_by: datetime | None = None
    resolve_by: datetime | None = None
    regulatory_deadline: datetime | None = None
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    version: int = 1
    # Re-fires (docs/refires-and-retries.md, "Re-fires"): which incarnation of (source,
    # external_id) this is, the resolved one it follows, and the one that followed it.
    generation: int = 0
    follows: str | None = None
    followed_by: str | None = None
    # Retried reports: ``[[fingerprint, ISO instant], ...]`` (``domain.retried``).
    report_fingerprints: list[Any] | None = None


@dataclass(slots=True)
class Clock:
    """The durable timer of one escalation and its policy progress (``router_clocks``)."""

    escalation_id: str
    started_at: datetime
    tier: str
    acknowledge_seconds: float
    resolve_seconds: float
    warning_share: float
    progress: dict[str, Any]
    updated_at: datetime
    due_at: datetime | None = None
    rescore_at: datetime | None = None
    fired: int = 0


# The field names in constructor order: the adapter selects columns in this order.
ESCALATION_FIELDS = tuple(f.name for f in fields(Escalation))
CLOCK_FIELDS = tuple(f.name for f in fields(Clock))

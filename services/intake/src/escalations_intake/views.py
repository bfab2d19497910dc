"""Response schemas of the read API, built from the router's rows.

The module's path is part of the published OpenAPI document: ``Reason`` shares its name with
a shared model, so the document names it ``escalations_intake__views__Reason``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from escalations.contracts.events import Deadlines, Status
from escalations.core.escalation import EscalationIn, Tier
from escalations.db.models import EscalationRow, HistoryRow


class Accepted(BaseModel):
    """Answer to a create: the escalation id and whether it repeated an earlier report."""

    id: str
    status: Status = Status.RECEIVED
    duplicate: bool = False
    follows: str | None = Field(
        None,
        description="Set when the key's escalation was resolved: this report opened a new "
        "escalation (`id`) that follows that one",
    )


class Reason(BaseModel):
    """One factor that contributed to the priority."""

    factor: str
    points: float
    detail: str


class PriorityView(BaseModel):
    """Tier, score and every reason behind them."""

    tier: Tier
    score: int = Field(ge=0, le=100)
    reasons: list[Reason] = []


class HistoryEntry(BaseModel):
    """One state change or rejected command."""

    at: datetime
    actor: str
    action: str
    from_status: Status | None = None
    to_status: Status | None = None
    reason: str | None = None


class EscalationView(EscalationIn):
    """Current state of an escalation, with the request fields (docs/contract/http-api.md)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    status: Status
    source: str
    priority: PriorityView
    team: str | None
    owner: str | None
    level: int
    deadlines: Deadlines
    reports: int
    follows: str | None = Field(
        None, description="The resolved escalation of the same key this one followed"
    )
    followed_by: str | None = Field(
        None, description="The escalation the same key opened after this one was resolved"
    )
    history: list[HistoryEntry]
    assignment: dict[str, Any] | None = Field(
        None, description="Decision record: candidates considered and why each was chosen or not"
    )
    created_at: datetime
    updated_at: datetime


class EscalationPage(BaseModel):
    """One page of the list, newest first."""

    items: list[EscalationView]
    next_cursor: str | None = None


def to_view(row: EscalationRow, history: list[HistoryRow]) -> EscalationView:
    """Build the public view of a stored escalation."""
    return EscalationView(
        **row.request,
        id=row.id,
        status=Status(row.status),
        source=row.source,
        priority=PriorityView.model_validate(row.priority),
        team=row.team,
        owner=row.owner,
        level=row.level,
        deadlines=Deadlines(
            acknowledge_by=row.acknowledge_by,
            resolve_by=row.resolve_by,
            regulatory_deadline=row.regulatory_deadline,
        ),
        reports=row.reports,
        follows=row.follows,
        followed_by=row.followed_by,
        history=[
            HistoryEntry(
                at=h.at,
                actor=h.actor,
                action=h.action,
                from_status=h.from_status,
                to_status=h.to_status,
                reason=h.reason,
            )
            for h in history
        ],
        assignment=row.assignment,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )

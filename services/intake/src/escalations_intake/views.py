"""Response schemas of the read API, built from the router's rows.

Every read of an escalation goes through ``to_view``, which hides the content of a
sensitive one until a person reveals it (``redaction``; docs/contract/http-api.md,
"Sensitive content and reveal"). The module's path is part of the published OpenAPI
document: ``Reason`` shares its name with a shared model, so the document names it
``escalations_intake__views__Reason``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from escalations.contracts.events import Deadlines, Status
from escalations.contracts.updates import Audience
from escalations.core.escalation import EscalationIn, HttpUrl, Tier
from escalations.core.sensitivity import stored_sensitive
from escalations.db.models import EscalationRow, HistoryRow
from escalations.db.models_updates import UpdateRow
from escalations_intake.redaction import redact_reason, redact_request, without_urls


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


class UpdateView(BaseModel):
    """A status update posted on the escalation (docs/contract/http-api.md, "Status updates")."""

    id: str = Field(description="The update's id")
    audience: Audience = Field(
        description="Who it is for: `team` (a note), `stakeholders` or `requester`"
    )
    text: str = Field(
        description="What it says; while `redacted` is true any URL in it reads `[url]`"
    )
    by: str = Field(description="The person who posted it")
    at: datetime = Field(description="When the router stored it")


class ContentRefView(BaseModel):
    """A piece of content the escalation is about; its id and URL hidden while redacted."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: str = Field(description="Kind of content, e.g. `pin`, `board`, `account`, `comment`")
    id: str | None = Field(
        None, description="Id of the content on the platform; null while `redacted` is true"
    )
    url: HttpUrl | None = Field(
        None, description="Link to it, if the source sent one; null while `redacted` is true"
    )


class EscalationView(EscalationIn):
    """Current state of an escalation, with the request fields (docs/contract/http-api.md)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    # A view's references may hide their id and URL, which a request's must carry.
    content_refs: list[ContentRefView] = Field(  # type: ignore[assignment]
        [],
        description="The content concerned (at most 100). While `redacted` is true each keeps "
        "only its `kind`: `id` and `url` are null, and the count stays",
    )
    sensitive: bool = Field(
        description="Whether the content is sensitive: a sensitive policy area (`child_safety`, "
        "`ncii`, `graphic_violence`, `self_harm`, `violent_extremism`, "
        "`human_exploitation`) or the `graphic` signal"
    )
    redacted: bool = Field(
        description="Whether this answer hides the content: true for every read of a sensitive "
        "escalation. Then `description` is null, `content_refs` keep only their `kind`, and "
        "any URL in the other text (and in the history's reasons) reads `[url]`. A person sees "
        "it all through `POST /v1/escalations/{id}/reveal`, which counts toward their graphic "
        "exposure"
    )
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
    updates: list[UpdateView] = Field(
        [],
        description="Status updates posted on it, newest first, at most the newest 100; "
        "always empty in the list (`GET /v1/escalations`): read one escalation for them",
    )
    assignment: dict[str, Any] | None = Field(
        None, description="Decision record: candidates considered and why each was chosen or not"
    )
    created_at: datetime
    updated_at: datetime


class EscalationPage(BaseModel):
    """One page of the list, newest first."""

    items: list[EscalationView]
    next_cursor: str | None = None


def to_view(
    row: EscalationRow,
    history: list[HistoryRow],
    *,
    revealed: bool = False,
    updates: list[UpdateRow] | None = None,
) -> EscalationView:
    """Build the public view of a stored escalation, its content hidden if it is sensitive.

    ``revealed``: a person's reveal, which alone shows a sensitive escalation's content.
    ``updates``: its status updates, newest first (the list passes none).
    """
    sensitive = stored_sensitive(row.policy_area, row.request)
    redacted = sensitive and not revealed
    request = redact_request(row.request) if redacted else row.request
    return EscalationView(
        **request,
        sensitive=sensitive,
        redacted=redacted,
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
                reason=redact_reason(h.reason) if redacted else h.reason,
            )
            for h in history
        ],
        updates=[
            UpdateView(
                id=u.id,
                audience=Audience(u.audience),
                text=without_urls(u.text) if redacted else u.text,
                by=u.by,
                at=u.at,
            )
            for u in updates or ()
        ],
        assignment=row.assignment,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )

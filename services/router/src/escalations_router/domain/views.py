"""The event view of an escalation record: the summary every router event carries. No I/O."""

from __future__ import annotations

from typing import Any

from escalations.contracts.events import Deadlines, EscalationSummary, Status
from escalations.core.escalation import EscalationIn, PolicyArea, SourceKind, Tier
from escalations.core.sensitivity import is_sensitive
from escalations_router.domain.records import Escalation


def summary(row: Escalation, request: EscalationIn | None = None) -> EscalationSummary:
    """Return the event view of a record (pass the request if it is at hand: saves parsing)."""
    request = request or EscalationIn.model_validate(row.request)
    return EscalationSummary(
        id=row.id,
        title=row.title,
        description=request.description,
        policy_area=request.policy_area,
        sensitive=is_sensitive(request.policy_area, graphic=request.signals.graphic),
        tier=Tier(row.tier),
        score=row.score,
        status=Status(row.status),
        team=row.team,
        owner=row.owner,
        level=row.level,
        reports=row.reports,
        source=row.source,
        source_kind=SourceKind(row.source_kind),
        region=request.region,
        language=request.language,
        content_refs=tuple(request.content_refs),
        deadlines=Deadlines(
            acknowledge_by=row.acknowledge_by,
            resolve_by=row.resolve_by,
            regulatory_deadline=row.regulatory_deadline,
        ),
        created_at=row.created_at,
    )


def summary_data(row: Escalation, request: dict[str, Any], graphic: bool) -> dict[str, Any]:
    """Return ``summary(row).model_dump(mode="json")`` built directly (datetimes left as is).

    ``request`` is the row's stored request (the request model's JSON dump), ``graphic``
    the request's graphic signal.
    """
    return {
        "id": row.id,
        "title": row.title,
        "description": request["description"],
        "policy_area": request["policy_area"],
        "sensitive": is_sensitive(PolicyArea(request["policy_area"]), graphic=graphic),
        "tier": row.tier,
        "score": row.score,
        "status": row.status,
        "team": row.team,
        "owner": row.owner,
        "level": row.level,
        "reports": row.reports,
        "source": row.source,
        "source_kind": row.source_kind,
        "region": request["region"],
        "language": request["language"],
        "content_refs": request["content_refs"],
        "deadlines": {
            "acknowledge_by": row.acknowledge_by,
            "resolve_by": row.resolve_by,
            "regulatory_deadline": row.regulatory_deadline,
        },
        "created_at": row.created_at,
    }

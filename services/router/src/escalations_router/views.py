"""The event view of an escalation row: the summary every router event carries. No I/O."""

from __future__ import annotations

from typing import Any

from escalations.contracts.events import Deadlines, EscalationSummary, Status
from escalations.core.escalation import EscalationIn, PolicyArea, SourceKind, Tier
from escalations.core.sensitivity import is_sensitive
from escalations.db.models import EscalationRow


def summary(row: EscalationRow, request: EscalationIn | None = None) -> EscalationSummary:
    """Return the event view of a row (pass the request if it is at hand: saves parsing)."""
    # Every column of a router row is in its __dict__ (``rows.new_row``): read them there,
    # not through the ORM's attribute descriptors (an event per escalation, a hot path).
    values = row.__dict__
    request = request or EscalationIn.model_validate(values["request"])
    return EscalationSummary(
        id=values["id"],
        title=values["title"],
        description=request.description,
        policy_area=request.policy_area,
        sensitive=is_sensitive(request.policy_area, graphic=request.signals.graphic),
        tier=Tier(values["tier"]),
        score=values["score"],
        status=Status(values["status"]),
        team=values["team"],
        owner=values["owner"],
        level=values["level"],
        reports=values["reports"],
        source=values["source"],
        source_kind=SourceKind(values["source_kind"]),
        region=request.region,
        language=request.language,
        content_refs=tuple(request.content_refs),
        deadlines=Deadlines(
            acknowledge_by=values["acknowledge_by"],
            resolve_by=values["resolve_by"],
            regulatory_deadline=values["regulatory_deadline"],
        ),
        created_at=values["created_at"],
    )


def summary_data(row: EscalationRow, request: dict[str, Any], graphic: bool) -> dict[str, Any]:
    """Return ``summary(row).model_dump(mode="json")`` built directly (datetimes left as is).

    ``request`` is the row's stored request (the request model's JSON dump), ``graphic``
    the request's graphic signal.
    """
    values = row.__dict__
    return {
        "id": values["id"],
        "title": values["title"],
        "description": request["description"],
        "policy_area": request["policy_area"],
        "sensitive": is_sensitive(PolicyArea(request["policy_area"]), graphic=graphic),
        "tier": values["tier"],
        "score": values["score"],
        "status": values["status"],
        "team": values["team"],
        "owner": values["owner"],
        "level": values["level"],
        "reports": values["reports"],
        "source": values["source"],
        "source_kind": values["source_kind"],
        "region": request["region"],
        "language": request["language"],
        "content_refs": request["content_refs"],
        "deadlines": {
            "acknowledge_by": values["acknowledge_by"],
            "resolve_by": values["resolve_by"],
            "regulatory_deadline": values["regulatory_deadline"],
        },
        "created_at": values["created_at"],
    }

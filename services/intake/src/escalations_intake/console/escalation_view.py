"""What the escalation page shows, built from plain data. Pure, no I/O.

The content comes from the read API's view (``views.to_view``), so a sensitive escalation
is hidden exactly as ``GET /v1/escalations/{id}`` hides it until a person reveals it. The
assignment record is what the router stored (``EscalationRow.assignment``: ``route``,
``candidates``, ``level_one``, ``flags``, ``summary``, ``paged``); it is read defensively,
since a field the page does not find is shown as missing, never an error
(docs/console.md, "Escalation page").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from escalations.contracts.events import Resolution, Status
from escalations.core.access import Action, PersonRoles
from escalations.core.config import Config
from escalations_intake.auth.access_rules import EscalationFacts, on_escalation
from escalations_intake.views import EscalationView

DONE = {
    "acknowledged": "Acknowledge sent: the router applies it in a moment.",
    "resolved": "Resolve sent: the router applies it in a moment.",
    "reassigned": "Reassign sent: the router applies it in a moment.",
    "updated": "Update sent: the router adds it in a moment.",
    "noted": "Note sent: the router adds it in a moment.",
}
RESOLUTIONS = tuple(r.value for r in Resolution)


@dataclass(frozen=True, slots=True)
class DeliveryLine:
    """One row of the notifier's ledger as the page shows it (never the message body)."""

    recipient: str
    channel: str
    status: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Allowed:
    """Which actions the page offers the person (the routes check them again)."""

    acknowledge: bool
    resolve: bool
    reassign: bool

    @property
    def any(self) -> bool:
        """Whether any action is offered."""
        return self.acknowledge or self.resolve or self.reassign


def allowed_actions(
    config: Config, roles: PersonRoles, may_act: bool, facts: EscalationFacts, status: str
) -> Allowed:
    """Return the actions the person may do now, by the API's rules (``on_escalation``)."""
    if not may_act or status == Status.RESOLVED.value:
        return Allowed(False, False, False)

    def ok(action: Action, *, acknowledging: bool = False) -> bool:
        refusal = on_escalation(config, roles, action, facts, facts.id, acknowledging=acknowledging)
        return refusal is None

    return Allowed(
        acknowledge=status != Status.ACKNOWLEDGED.value
        and ok(Action.ESCALATIONS_ACT, acknowledging=True),
        resolve=ok(Action.ESCALATIONS_ACT),
        reassign=ok(Action.ESCALATIONS_REASSIGN),
    )


def iso(at: datetime | None) -> str | None:
    """Return an instant as ISO 8601, or None."""
    return at.isoformat() if at is not None else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _items(value: object) -> list[Mapping[str, Any]]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def record_view(record: Mapping[str, Any] | None, names: Mapping[str, str]) -> dict[str, Any]:
    """Return the matched routing rule and every candidate with why, from the record."""
    record = record or {}
    route = record.get("route") if isinstance(record.get("route"), Mapping) else {}
    assert isinstance(route, Mapping)
    candidates = [
        {
            "person": str(c.get("person_id", "")),
            "name": names.get(str(c.get("person_id", "")), str(c.get("person_id", ""))),
            "chosen": c.get("chosen") is True,
            "reason": str(c.get("reason", "")),
            "graphic": c.get("graphic_in_window"),
            "open": c.get("open_count"),
            "last": _text(c.get("last_assigned_at")),
        }
        for c in _items(record.get("candidates"))
    ]
    on_duty = [
        {
            "person": str(d.get("person", "")),
            "name": names.get(str(d.get("person", "")), str(d.get("person", ""))),
            "layer": _text(d.get("layer")),
            "target": _text(d.get("target")),
        }
        for d in _items(record.get("level_one"))
    ]
    flags = record.get("flags")
    paged = record.get("paged")
    return {
        "rule": _text(route.get("rule")),
        "rule_index": route.get("index") if isinstance(route.get("index"), int) else None,
        "route_team": _text(route.get("team")),
        "summary": _text(record.get("summary")),
        "flags": [str(f) for f in flags] if isinstance(flags, list) else [],
        "candidates": candidates,
        "on_duty": on_duty,
        "paged": [str(p) for p in paged] if isinstance(paged, list) else [],
    }


def suggestions(
    record: Mapping[str, Any], owner: str | None, names: Mapping[str, str]
) -> list[dict[str, str]]:
    """Return whom to offer for a reassignment: the team's people on duty, owner left out.

    The candidates of the assignment record first (in its order), then anyone else level 1
    paged; only people the configuration knows.
    """
    seen: list[str] = []
    for person in [c["person"] for c in record["candidates"]] + [
        d["person"] for d in record["on_duty"]
    ]:
        if person and person != owner and person in names and person not in seen:
            seen.append(person)
    return [{"id": p, "name": names[p]} for p in seen]


def deadlines_view(
    view: EscalationView, received_at: datetime, acknowledged_at: datetime | None
) -> list[dict[str, Any]]:
    """Return the deadlines with what their countdowns need (``static/countdown.js``)."""
    resolved = view.status is Status.RESOLVED
    found = [
        ("Acknowledge by", view.deadlines.acknowledge_by, acknowledged_at is None),
        ("Resolve by", view.deadlines.resolve_by, True),
        ("Regulatory deadline", view.deadlines.regulatory_deadline, True),
    ]
    return [
        {
            "label": label,
            "at": iso(at),
            "countdown": at is not None and running and not resolved,
            "since": iso(received_at),
        }
        for label, at, running in found
    ]


def history_view(view: EscalationView, names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Return the history newest first: when, who, what, the status change and why."""
    return [
        {
            "at": iso(h.at),
            "actor": h.actor,
            "actor_name": names.get(h.actor),
            "action": h.action,
            "from_status": h.from_status.value if h.from_status else None,
            "to_status": h.to_status.value if h.to_status else None,
            "reason": h.reason,
        }
        for h in reversed(view.history)
    ]


def deliveries_view(lines: Sequence[DeliveryLine]) -> list[dict[str, Any]]:
    """Return the ledger rows as shown: who, channel, outcome, attempts, when."""
    return [
        {
            "recipient": d.recipient,
            "channel": d.channel,
            "status": d.status,
            "attempts": d.attempts,
            "at": iso(d.sent_at or d.updated_at),
            "sent": d.sent_at is not None,
        }
        for d in lines
    ]


def content_view(view: EscalationView) -> dict[str, Any]:
    """Return the request's content as the view shows it (hidden while redacted)."""
    return {
        "sensitive": view.sensitive,
        "redacted": view.redacted,
        "description": view.description,
        "refs": [
            {"kind": r.kind, "id": r.id, "url": str(r.url) if r.url else None}
            for r in view.content_refs
        ],
        "external_id": view.external_id,
        "source": view.source,
        "policy_area": view.policy_area.value,
        "region": view.region,
        "language": view.language,
    }


def page_view(
    view: EscalationView,
    *,
    received_at: datetime,
    acknowledged_at: datetime | None,
    names: Mapping[str, str],
    team_names: Mapping[str, str],
) -> dict[str, Any]:
    """Return everything the page and its live block show of one escalation."""
    record = record_view(view.assignment, names)
    regulatory = view.regulatory
    return {
        "id": view.id,
        "title": view.title,
        "status": view.status.value,
        "tier": view.priority.tier.value,
        "score": view.priority.score,
        "reasons": [r.model_dump() for r in view.priority.reasons],
        "deadlines": deadlines_view(view, received_at, acknowledged_at),
        "regime": regulatory.regime.value,
        "regulatory_reference": regulatory.reference,
        "team": view.team,
        "team_name": team_names.get(view.team) if view.team else None,
        "owner": view.owner,
        "owner_name": names.get(view.owner) if view.owner else None,
        "level": view.level,
        "record": record,
        "suggestions": suggestions(record, view.owner, names),
        "history": history_view(view, names),
        "reports": view.reports,
        "follows": view.follows,
        "followed_by": view.followed_by,
        "content": content_view(view),
        "updated_at": iso(view.updated_at),
    }

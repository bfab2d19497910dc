"""The data of one message: what every template and the signed webhook are rendered from.

Pure: the sensitive-content rule (docs/contract/guarantees.md, "Sensitive content") is
applied here, per channel, so no template can leak what the body does not carry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from escalations.contracts.envelope import Envelope
from escalations.contracts.events import EscalationResolved, EscalationSummary, Status
from escalations.core.config_types import zone
from escalations.core.sensitivity import SENSITIVE_POLICY_AREAS
from escalations.links import ack_url, make_ack_token

# Chat and e-mail (docs/contract/guarantees.md, "Sensitive content"). The generic webhook is
# redacted too: its receivers are unknown (often chat bridges). The pager keeps the details
# responders need to act at once.
REDACTED_CHANNELS = frozenset({"email", "slack", "teams", "webhook"})
_URL = re.compile(r"(?i)\b(?:https?://|www\.)\S+")


@dataclass(frozen=True)
class Links:
    """How to build the view and acknowledge links."""

    public_url: str
    secret: bytes | None = None
    ttl: timedelta = timedelta(hours=24)


@dataclass(frozen=True)
class Audience:
    """Who a message is for: a person (with a timezone) or a team's channel."""

    id: str
    name: str
    timezone: str = "UTC"
    team_channel: bool = False


def redact(summary: EscalationSummary) -> dict[str, Any]:
    """Return the summary without description, content refs, or URLs in the title."""
    data = summary.model_dump(mode="json")
    data.update(description=None, content_refs=[], title=_URL.sub("[link removed]", summary.title))
    return data


def deadline(summary: EscalationSummary, timezone: str) -> dict[str, str] | None:
    """Return the next deadline that matters, with its label and the audience's local time."""
    clocks = summary.deadlines
    candidates = [
        ("Resolve by", clocks.resolve_by),
        ("Regulatory deadline", clocks.regulatory_deadline),
    ]
    if summary.status not in (Status.ACKNOWLEDGED, Status.RESOLVED):
        candidates.insert(0, ("Acknowledge by", clocks.acknowledge_by))
    present = [(at, label) for label, at in candidates if at is not None]
    if not present:
        return None
    at, label = min(present)
    local = at.astimezone(zone(timezone))
    return {"label": label, "at": at.isoformat(), "local": local.strftime("%Y-%m-%d %H:%M %Z")}


def ack_link(links: Links, summary: EscalationSummary, person: str, at: datetime) -> str | None:
    """Return a signed acknowledge link for ``person``, or None when links are not signed."""
    if links.secret is None or summary.status in (Status.ACKNOWLEDGED, Status.RESOLVED):
        return None
    try:
        token = make_ack_token(links.secret, summary.id, person, at + links.ttl)
    except ValueError:
        # Person ids may contain '.', which the token format reserves: view link only.
        return None
    return ack_url(links.public_url, token)


def build_body(
    envelope: Envelope,
    payload: BaseModel,
    audience: Audience,
    channel: str,
    links: Links,
    owner: str | None,
) -> dict[str, Any]:
    """Return the message data for one audience and channel."""
    summary: EscalationSummary = payload.escalation  # type: ignore[attr-defined]
    # The router sets ``sensitive`` (it knows signals.graphic); the area check is a second
    # line of defence should a producer ever get the flag wrong.
    sensitive = summary.sensitive or summary.policy_area in SENSITIVE_POLICY_AREAS
    redacted = sensitive and channel in REDACTED_CHANNELS
    details = payload.model_dump(mode="json", exclude={"escalation"})
    if redacted and isinstance(payload, EscalationResolved):
        details["note"] = None
    view = f"{links.public_url.rstrip('/')}/v1/escalations/{summary.id}"
    acknowledge = ack_link(links, summary, audience.id, envelope.time)
    link_map = {"view": view, "acknowledge": None if audience.team_channel else acknowledge}
    return {
        "event": envelope.type,
        "event_id": envelope.id,
        "time": envelope.time.isoformat(),
        "recipient": audience.id,
        "recipient_name": audience.name,
        "team_channel": audience.team_channel,
        "escalation": redact(summary) if redacted else summary.model_dump(mode="json"),
        "redacted": redacted,
        "deadline": deadline(summary, audience.timezone),
        "owner": owner,
        "details": details,
        "links": link_map,
    }

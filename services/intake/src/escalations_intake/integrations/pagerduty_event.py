"""The PagerDuty Events API v2 event body, and its mapping to an escalation (pure, no I/O).

Fields are read as PagerDuty documents them; unknown fields are ignored, as PagerDuty does.
A ``trigger`` becomes an escalation whose ``external_id`` is the dedup key (hashed when it
cannot be one; docs/integrations.md).
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, Literal, Self

import orjson
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.config import JsonDict

from escalations.core.escalation import ContentRef, EscalationIn, PolicyArea, Reporter
from escalations_intake.http.bodies import Timestamp
from escalations_intake.integrations.alertmanager_payload import clean, clip, usable_url

_LENIENT = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)
# What the model validator enforces, said in the document too (JSON Schema if/then).
_NEEDS: JsonDict = {
    "allOf": [
        {
            "if": {"properties": {"event_action": {"const": "trigger"}}},
            "then": {"required": ["payload"], "properties": {"payload": {"type": "object"}}},
        },
        {
            "if": {"properties": {"event_action": {"enum": ["acknowledge", "resolve"]}}},
            "then": {"required": ["dedup_key"], "properties": {"dedup_key": {"type": "string"}}},
        },
    ]
}
Text = Annotated[str, Field(min_length=1, max_length=1024)]


class PdPayload(BaseModel):
    """The alert (required for ``trigger``)."""

    model_config = _LENIENT

    summary: Text = Field(description="Brief text summary; the escalation title (cut at 200)")
    source: Text = Field(description="Location of the affected system")
    severity: Literal["critical", "error", "warning", "info"] = Field(description="Severity")
    timestamp: Timestamp | None = Field(None, description="When it happened")
    component: Text | None = Field(None, description="Component responsible")
    group: Text | None = Field(None, description="Logical grouping")
    class_: Text | None = Field(None, alias="class", description="Class or type of the event")
    custom_details: dict[str, Any] | str | None = Field(
        None, description="Free-form details; `policy_area` and `region` keys are used"
    )


class PdLink(BaseModel):
    """A link to show with the alert."""

    model_config = _LENIENT
    href: Annotated[str, Field(min_length=1, max_length=2048)] = Field(description="URL")
    text: Text | None = Field(None, description="Link text")


class PdImage(BaseModel):
    """An image to show with the alert (accepted and ignored)."""

    model_config = _LENIENT
    src: Annotated[str, Field(min_length=1, max_length=2048)] = Field(description="Image URL")
    href: Annotated[str, Field(max_length=2048)] | None = Field(None, description="Link")
    alt: Text | None = Field(None, description="Alternative text")


class PagerDutyEvent(BaseModel):
    """A PagerDuty Events API v2 event."""

    model_config = ConfigDict(
        frozen=True, extra="ignore", populate_by_name=True, json_schema_extra=_NEEDS
    )

    routing_key: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        description="An API key of this service (unless sent as a Bearer header)"
    )
    event_action: Literal["trigger", "acknowledge", "resolve"] = Field(description="What to do")
    dedup_key: Annotated[str, Field(min_length=1, max_length=255)] | None = Field(
        None, description="Alert id; required for acknowledge and resolve, generated if absent"
    )
    payload: PdPayload | None = Field(None, description="The alert (trigger only)")
    images: Annotated[list[PdImage], Field(max_length=50)] = Field([], description="Images")
    links: Annotated[list[PdLink], Field(max_length=50)] = Field([], description="Links")
    client: Text | None = Field(None, description="Name of the sending tool")
    client_url: Annotated[str, Field(max_length=2048)] | None = Field(None, description="Its URL")

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.event_action == "trigger" and self.payload is None:
            raise ValueError("payload: required for a trigger event")
        if self.event_action != "trigger" and self.dedup_key is None:
            raise ValueError(f"dedup_key: required for an {self.event_action} event")
        return self


def external_id(dedup_key: str) -> str:
    """Return the escalation's external id for a dedup key (hashed when too long or odd)."""
    # An external id is at most 200 characters, not blank, without surrounding whitespace
    # or control characters; any other dedup key is hashed (stably) so it still fits.
    if len(dedup_key) <= 200 and dedup_key.strip() == dedup_key == clean(dedup_key) != "":
        return dedup_key
    return "sha256:" + hashlib.sha256(dedup_key.encode()).hexdigest()


def _policy_area(event: PdPayload, default: PolicyArea) -> PolicyArea:
    details = event.custom_details if isinstance(event.custom_details, dict) else {}
    for value in (details.get("policy_area"), event.class_):
        if isinstance(value, str) and value in PolicyArea._value2member_map_:
            return PolicyArea(value)
    return default


def to_escalation(event: PagerDutyEvent, dedup_key: str, default: PolicyArea) -> EscalationIn:
    """Map a trigger event to an escalation."""
    assert event.payload is not None  # checked by the model
    alert = event.payload
    details = alert.custom_details if isinstance(alert.custom_details, dict) else {}
    region = str(details.get("region", "")).upper()
    facts = {
        "source": alert.source,
        "severity": alert.severity,
        "component": alert.component,
        "group": alert.group,
        "class": alert.class_,
    }
    lines = [f"{k}: {v}" for k, v in facts.items() if v]
    if alert.custom_details:
        lines.append("details: " + orjson.dumps(alert.custom_details).decode())
    refs = [
        ContentRef(
            kind="link",
            id=clip(clean(link.text or "").strip() or clean(link.href).strip() or "link", 200),
            url=usable_url(link.href),
        )
        for link in event.links
    ]
    client = clean(event.client or "").strip() or "PagerDuty Events v2 client"
    return EscalationIn(
        external_id=external_id(dedup_key),
        title=clip(clean(alert.summary).strip() or "PagerDuty event", 200),
        description=clip(clean("\n".join(lines)), 20_000),
        policy_area=_policy_area(alert, default),
        region=region if len(region) == 2 and region.isalpha() and region.isascii() else None,
        content_refs=refs,
        reporter=Reporter(name=clip(client, 200)),
        occurred_at=alert.timestamp,
    )

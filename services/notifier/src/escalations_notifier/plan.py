"""Who is notified of an event, through which channels: a pure function of event and config."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from escalations.contracts.envelope import Envelope
from escalations.contracts.events import EscalationAssigned, EscalationEscalated, EscalationSummary
from escalations.core.config import Config
from escalations_notifier.channels import Message


@dataclass(frozen=True)
class Plan:
    """Messages to send, and planned channels that have no adapter (reported, not dropped)."""

    messages: list[Message]
    unavailable: list[tuple[str, str]]


def recipients(payload: BaseModel) -> tuple[str, ...]:
    """Return who must hear about this event."""
    if isinstance(payload, EscalationAssigned):
        return (payload.owner,)
    if isinstance(payload, EscalationEscalated):
        return payload.targets
    return ()


def _body(
    envelope: Envelope, summary: EscalationSummary, recipient: str, public_url: str
) -> dict[str, Any]:
    escalation = summary.model_dump(mode="json")
    if summary.sensitive:
        # SPEC §7: sensitive escalations carry no description, URLs or content ids.
        escalation["description"] = None
        escalation["content_refs"] = []
    return {
        "event": envelope.type,
        "event_id": envelope.id,
        "time": envelope.time.isoformat(),
        "recipient": recipient,
        "escalation": escalation,
        "links": {"view": f"{public_url}/v1/escalations/{summary.id}"},
    }


def plan(
    envelope: Envelope,
    payload: BaseModel,
    config: Config,
    available: tuple[str, ...],
    public_url: str,
) -> Plan:
    """Return the messages for one event, one per recipient and channel."""
    summary: EscalationSummary | None = getattr(payload, "escalation", None)
    if summary is None:
        return Plan([], [])
    messages: list[Message] = []
    unavailable: list[tuple[str, str]] = []
    for recipient in recipients(payload):
        person = config.people_by_id.get(recipient)
        if person is None:
            unavailable.append((recipient, "unknown person"))
            continue
        for channel in person.channels_for(summary.tier):
            address = getattr(person.contacts, channel.value)
            if channel.value not in available or address is None:
                unavailable.append((recipient, channel.value))
                continue
            body = _body(envelope, summary, recipient, public_url)
            messages.append(
                Message(
                    envelope.id,
                    envelope.type,
                    summary.id,
                    recipient,
                    channel.value,
                    str(address),
                    body,
                )
            )
    return Plan(messages, unavailable)

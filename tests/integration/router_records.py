"""Kafka records as the router's batch processor sees them, built for its integration tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from escalations.contracts.codec import build_event
from escalations.contracts.envelope import encode
from escalations.contracts.events import EscalationReceived
from escalations.contracts.topics import INTAKE
from escalations.core.escalation import EscalationIn, PolicyArea, SourceKind


@dataclass(frozen=True)
class Record:
    """A consumed record, as the router sees it."""

    topic: str
    partition: int
    offset: int
    key: bytes
    value: bytes


def received(offset: int, source: str, esc_id: str | None = None) -> Record:
    """Return a harassment report from ``source`` (a repeat report when ``esc_id`` is given)."""
    esc_id = esc_id or str(uuid.uuid4())
    now = datetime.now(UTC)
    payload = EscalationReceived(
        escalation_id=esc_id,
        source=source,
        source_kind=SourceKind.INTERNAL_TOOL,
        received_at=now,
        request=EscalationIn(title="Harassment", policy_area=PolicyArea.HARASSMENT, language="en"),
    )
    envelope = build_event(payload, subject=esc_id, source="/tests", time=now)
    return Record(INTAKE, offset % 6, offset, envelope.key, encode(envelope))

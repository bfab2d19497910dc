"""Kafka topics with their explicit partition counts and settings.

What each topic carries: docs/contract/events.md, "Topics".
"""

from __future__ import annotations

from dataclasses import dataclass, field

INTAKE = "escalations.intake.v1"
EVENTS = "escalations.events.v1"
NOTIFICATIONS_DLQ = "notifications.dlq.v1"
ROUTER_DEADLETTER = "escalations.deadletter.v1"

_WEEK_MS = str(7 * 24 * 3600 * 1000)
_MONTH_MS = str(30 * 24 * 3600 * 1000)


@dataclass(frozen=True)
class TopicSpec:
    """One topic as it must exist on the broker."""

    name: str
    partitions: int
    config: dict[str, str] = field(default_factory=dict)


TOPICS: tuple[TopicSpec, ...] = (
    # Keyed by escalation id: one partition owns an escalation, so its router is the single writer.
    TopicSpec(INTAKE, 6, {"retention.ms": _WEEK_MS, "cleanup.policy": "delete"}),
    TopicSpec(EVENTS, 6, {"retention.ms": _WEEK_MS, "cleanup.policy": "delete"}),
    # Dead letters are kept longer: a person has to look at them and replay.
    TopicSpec(NOTIFICATIONS_DLQ, 1, {"retention.ms": _MONTH_MS}),
    TopicSpec(ROUTER_DEADLETTER, 1, {"retention.ms": _MONTH_MS}),
)

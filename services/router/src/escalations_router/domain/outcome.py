"""What applying an event to an escalation produces: history entries and outgoing events.

The state machine (``state``), the clocks (``timers``) and rises (``rise``) return an
``Outcome``; the batch writes its changes to the history and its events to the outbox in
the same transaction as the escalation (``postgres.writes``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pydantic import BaseModel

from escalations.contracts.events import Status
from escalations_router.domain.records import Escalation

# The actor of the history entries the router makes itself (assignments, timers).
SYSTEM = "router"


class Change(NamedTuple):
    """One history entry to append (a tuple: two or three per escalation, built cheaply)."""

    action: str
    actor: str
    from_status: Status | None
    to_status: Status | None
    reason: str | None = None
    budget: str | None = None  # for SLA warnings and breaches: which clock


@dataclass(frozen=True, slots=True)
class Payload:
    """An event payload already in its JSON form: what ``model(...).model_dump(mode="json")``
    gives, built directly.

    Datetimes stay datetimes; the outbox writes them as pydantic does (``Writes.enqueue``).
    Used for the one event every new escalation emits (``escalation.assigned``): building
    the summary and event models and dumping them was a tenth of the router's work on one.
    """

    model: type[BaseModel]
    data: dict[str, Any]


Event = BaseModel | Payload


@dataclass
class Outcome:
    """What a handler produced: the escalation to store, history, and events for the outbox."""

    row: Escalation | None
    changes: list[Change] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

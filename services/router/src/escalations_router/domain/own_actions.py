"""The router's own actions on escalations, as audit log entries. No I/O.

The router records in the audit log what it does by itself to a running escalation:
paging the next level when nobody acknowledged in time (``escalation.escalate``) and raising
the tier (``escalation.raise_tier``, by a merged report or the regulatory clock), as
``service:router``. They are read off the events its clocks emit (``timers.advance``), and
written in the same transaction as the change, so a firing has one entry or none. The
assignment of a new escalation is not audited: it is in the escalation's history
(docs/contract/audit.md, "Actions recorded").
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from escalations.audit.chain import Draft
from escalations.contracts.events import EscalationEscalated, TierRaised
from escalations_router.domain.outcome import Event

ACTOR = "service:router"
ESCALATE = "escalation.escalate"
RAISE_TIER = "escalation.raise_tier"


def own_actions(
    escalation_id: str, from_level: int, events: Iterable[Event], now: datetime
) -> list[Draft]:
    """Return the audit entries of the escalations and rises among a clock's ``events``.

    ``from_level`` is the escalation's level before its clock advanced.
    """
    drafts: list[Draft] = []
    for event in events:
        if isinstance(event, EscalationEscalated):
            action = ESCALATE
            detail: dict[str, object] = {
                "from_level": from_level,
                "to_level": event.level,
                "round": event.round,
                "paged": list(event.targets),
            }
        elif isinstance(event, TierRaised):
            action = RAISE_TIER
            detail = {
                "from_tier": event.previous_tier.value,
                "to_tier": event.tier.value,
                "cause": event.cause.value,
                "level": event.level,
                "paged": list(event.targets),
            }
        else:
            continue
        drafts.append(
            Draft(
                at=now,
                actor=ACTOR,
                action=action,
                subject_kind="escalation",
                subject_id=escalation_id,
                detail=detail,
            )
        )
    return drafts

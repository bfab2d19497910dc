"""A clock and its escalation as the core reads them: policy, progress, budgets, deadlines.

The stored values are JSON (the policy snapshot, the progress) and numbers (the budgets);
the core (``escalations.core.policy``) takes frozen models. Each is built once per
distinct stored value and shared: thousands of escalations carry the same few. No I/O.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import Any

import orjson

from escalations.core.policy import EscalationPolicy, PolicyProgress
from escalations.core.priority_config import TierSla
from escalations.core.scoring import Deadlines as CoreDeadlines
from escalations_router.domain.records import Clock, Escalation


@lru_cache(maxsize=256)
def _policy_of(snapshot: bytes) -> EscalationPolicy:
    return EscalationPolicy.model_validate_json(snapshot)


def policy(row: Escalation) -> EscalationPolicy:
    """Return the row's snapshotted policy (parsed once per distinct snapshot)."""
    return _policy_of(orjson.dumps(row.policy_snapshot or {}))


def fresh_progress() -> dict[str, Any]:
    """Return a new clock's progress as stored: level 1 paged (by the assignment itself).

    ``PolicyProgress(level=1).model_dump(mode="json")``, written out: every new escalation
    stores one, and building and dumping the model each time was a hot-path cost.
    """
    return {"level": 1, "round": 0, "warned": [], "breached": [], "raised_at": None}


def progress_of(stored: dict[str, Any]) -> PolicyProgress:
    """Return a clock's stored progress as the model (frozen, so shared per distinct value)."""
    return _progress_model(
        stored.get("level", 0),
        stored.get("round", 0),
        frozenset(stored.get("warned", ())),
        frozenset(stored.get("breached", ())),
        stored.get("raised_at"),
    )


@lru_cache(maxsize=256)
def _progress_model(
    level: int, round_: int, warned: frozenset[str], breached: frozenset[str], raised_at: str | None
) -> PolicyProgress:
    return PolicyProgress.model_validate(
        {
            "level": level,
            "round": round_,
            "warned": warned,
            "breached": breached,
            "raised_at": raised_at,
        }
    )


def sla_of(clock: Clock) -> TierSla:
    return _sla(clock.acknowledge_seconds, clock.resolve_seconds)


@lru_cache(maxsize=256)
def _sla(acknowledge_seconds: float, resolve_seconds: float) -> TierSla:
    # Constructed without validation: the budgets were valid when the tier set them. Frozen,
    # so one per distinct pair of budgets is shared.
    return TierSla.model_construct(
        acknowledge=timedelta(seconds=acknowledge_seconds),
        resolve=timedelta(seconds=resolve_seconds),
    )


def deadlines_of(row: Escalation, clock: Clock, sla: TierSla) -> CoreDeadlines:
    started_at = clock.started_at
    return CoreDeadlines(
        acknowledge_by=row.acknowledge_by or started_at + sla.acknowledge,
        resolve_by=row.resolve_by or started_at + sla.resolve,
        regulatory_deadline=row.regulatory_deadline,
    )

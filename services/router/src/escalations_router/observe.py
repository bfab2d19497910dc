"""Metrics from committed outcomes (called after the transaction, so retries count once)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from escalations_router import metrics
from escalations_router.domain.outcome import Outcome
from escalations_router.domain.timers import fired_kinds


@lru_cache(maxsize=4096)
def _child(metric: Any, *labels: str) -> Any:
    """Return a metric's child for these labels (``labels()`` checks and locks on every call)."""
    return metric.labels(*labels)


def observe(outcome: Outcome, now: datetime) -> None:
    """Count transitions, timers, SLA warnings and breaches, and time to assign/ack/resolve."""
    if outcome.row is None:
        return
    row = outcome.row
    tier, team, source = row.tier, row.team or "", row.source
    for kind in fired_kinds(outcome):
        _child(metrics.TIMERS_FIRED, kind).inc()
    for change in outcome.changes:
        action = change.action
        if action in ("sla_warning", "sla_breached"):
            kind = change.budget or "resolve"
            counter = metrics.SLA_WARNINGS if action == "sla_warning" else metrics.SLA_BREACHES
            _child(counter, tier, kind).inc()
            continue
        if action not in metrics.TRANSITIONS:
            continue
        _child(metrics.ESCALATIONS, action, tier, team, source).inc()
        elapsed = (now - row.received_at).total_seconds()
        if action == "assigned":
            _child(metrics.TIME_TO_ASSIGN, tier).observe(elapsed)
        elif action == "acknowledged":
            _child(metrics.TIME_TO_ACKNOWLEDGE, tier).observe(elapsed)
        elif action == "resolved":
            _child(metrics.TIME_TO_RESOLVE, tier).observe(elapsed)

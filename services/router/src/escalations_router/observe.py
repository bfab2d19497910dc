"""Metrics from committed outcomes (called after the transaction, so retries count once)."""

from __future__ import annotations

from datetime import datetime

from escalations_router import metrics
from escalations_router.state import Outcome
from escalations_router.timers import fired_kinds


def observe(outcome: Outcome, now: datetime) -> None:
    """Count transitions, timers, SLA warnings and breaches, and time to assign/ack/resolve."""
    row = outcome.row
    if row is None:
        return
    for kind in fired_kinds(outcome):
        metrics.TIMERS_FIRED.labels(kind).inc()
    for change in outcome.changes:
        action = change.action
        if action in ("sla_warning", "sla_breached"):
            kind = change.budget or "resolve"
            counter = metrics.SLA_WARNINGS if action == "sla_warning" else metrics.SLA_BREACHES
            counter.labels(row.tier, kind).inc()
            continue
        if action not in metrics.TRANSITIONS:
            continue
        metrics.ESCALATIONS.labels(action, row.tier, row.team or "", row.source).inc()
        elapsed = (now - row.received_at).total_seconds()
        if action == "assigned":
            metrics.TIME_TO_ASSIGN.labels(row.tier).observe(elapsed)
        elif action == "acknowledged":
            metrics.TIME_TO_ACKNOWLEDGE.labels(row.tier).observe(elapsed)
        elif action == "resolved":
            metrics.TIME_TO_RESOLVE.labels(row.tier).observe(elapsed)

"""Router metrics, defined once (names are a contract with deploy/ dashboards and rules)."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from prometheus_client import Counter, Gauge, Histogram

from escalations.contracts.registry import EVENT_TYPES
from escalations.contracts.topics import INTAKE
from escalations.core.config import Config
from escalations.core.escalation import Tier
from escalations.outages import OutageMetrics, outage_metrics
from escalations.reload import ReloadMetrics, reload_metrics

EVENTS_CONSUMED = Counter("router_events_consumed_total", "Input events applied", ["type"])
ESCALATIONS = Counter(
    "router_escalations_total",
    "Escalation transitions",
    ["transition", "tier", "team", "source"],
)
TIME_TO_ASSIGN = Histogram(
    "router_time_to_assign_seconds",
    "From intake receipt to assignment",
    ["tier"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
TIME_TO_ACKNOWLEDGE = Histogram(
    "router_time_to_acknowledge_seconds",
    "From receipt to acknowledgement",
    ["tier"],
    buckets=(30, 60, 120, 300, 600, 900, 1800, 3600, 4 * 3600, 24 * 3600),
)
TIME_TO_RESOLVE = Histogram(
    "router_time_to_resolve_seconds",
    "From receipt to resolution",
    ["tier"],
    buckets=(300, 900, 3600, 4 * 3600, 24 * 3600, 72 * 3600, 5 * 86400, 10 * 86400),
)
SLA_WARNINGS = Counter(
    "router_sla_warnings_total", "SLA warnings sent (share of a budget used)", ["tier", "kind"]
)
SLA_BREACHES = Counter("router_sla_breaches_total", "SLA and regulatory breaches", ["tier", "kind"])
TIMERS_FIRED = Counter("router_timers_fired_total", "Durable timers that fired", ["kind"])
ASSIGNMENTS = Counter(
    "router_assignments_total",
    "Assignments per person; out_of_hours is outside 09:00-18:00 Mon-Fri in their time zone",
    ["team", "person", "out_of_hours"],
)
DEAD_LETTERS = Counter(
    "router_dead_letters_total", "Records sent to the dead-letter topic", ["reason"]
)
OUTBOX_BACKLOG = Gauge("router_outbox_backlog", "Outbox events not yet published")
CONSUMER_LAG = Gauge("router_consumer_lag", "Records behind the log end", ["partition"])
PRUNED = Counter("router_pruned_rows_total", "Rows deleted once past their retention", ["table"])
DEPENDENCY_UP, DEPENDENCY_RETRIES = outage_metrics("router")
OUTAGES = OutageMetrics(DEPENDENCY_UP, DEPENDENCY_RETRIES)
CONFIG_RELOADS, CONFIG_RELOAD_OK, CONFIG_LOADED_AT = reload_metrics("router")
CONFIG_RELOAD = ReloadMetrics(CONFIG_RELOADS, CONFIG_RELOAD_OK, CONFIG_LOADED_AT)

for _type, (_topic, _) in EVENT_TYPES.items():
    if _topic == INTAKE:
        EVENTS_CONSUMED.labels(_type)
for _tier in Tier:
    TIME_TO_ASSIGN.labels(_tier.value)
    TIME_TO_ACKNOWLEDGE.labels(_tier.value)
    TIME_TO_RESOLVE.labels(_tier.value)
TIMER_KINDS = ("escalate", "sla_warning", "sla_breach", "rescore")
TRANSITIONS = frozenset({"received", "assigned", "escalated", "acknowledged", "resolved"})
BUSINESS_HOURS = range(9, 18)
WORKDAYS = range(5)

for _timer in TIMER_KINDS:
    TIMERS_FIRED.labels(_timer)
for _kind in ("acknowledge", "resolve", "regulatory"):
    for _tier in Tier:
        SLA_WARNINGS.labels(_tier.value, _kind)
        SLA_BREACHES.labels(_tier.value, _kind)
for _table in ("outbox", "processed_events"):
    PRUNED.labels(_table)
for _reason in ("undecodable", "unknown_escalation", "invalid_command", "handler_error"):
    DEAD_LETTERS.labels(_reason)


def count_consumed(types: Iterable[str]) -> None:
    """Count applied input events by type."""
    for event_type, n in Tally(types).items():
        EVENTS_CONSUMED.labels(event_type).inc(n)


def count_assignments(assigned: Tally[str], config: Config, at: datetime) -> None:
    """Count assignments per person, split by whether it was out of their working hours."""
    for person_id, n in assigned.items():
        person = config.people_by_id.get(person_id)
        local = at.astimezone(ZoneInfo(person.timezone)) if person else at
        in_hours = local.weekday() in WORKDAYS and local.hour in BUSINESS_HOURS
        team = config.first_team_of.get(person_id, "")
        ASSIGNMENTS.labels(team, person_id, str(not in_hours).lower()).inc(n)

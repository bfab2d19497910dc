"""Notifier metrics, defined once (names are a contract with deploy/ dashboards and rules)."""

from __future__ import annotations

from typing import Any

from prometheus_client import Counter, Gauge, Histogram

from escalations.outages import OutageMetrics, outage_metrics
from escalations.reload import ReloadMetrics, reload_metrics
from escalations_notifier.channels import CHANNELS

# sent: accepted by the channel; retried: an attempt failed and will be retried;
# failed: a permanent failure or the last attempt; dead_lettered: parked in the DLQ topic;
# deferred: handed to the retry queue (inline budget spent, circuit open, or queued behind
# an older message of the same stream); duplicate_skipped: the ledger had it already;
# held_quiet_hours: held in the ledger until the recipient's quiet hours end (then it is
# sent and counted as sent); not_needed: a held message dropped because its escalation was
# acknowledged or resolved before the quiet hours ended.
OUTCOMES = (
    "sent",
    "retried",
    "failed",
    "dead_lettered",
    "deferred",
    "duplicate_skipped",
    "held_quiet_hours",
    "not_needed",
)

DELIVERIES = Counter(
    "notifier_deliveries_total", "Delivery attempts by channel and outcome", ["channel", "outcome"]
)
LATENCY = Histogram(
    "notifier_delivery_latency_seconds",
    "From the router's event time to the message accepted by the channel",
    ["channel"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
RETRIES = Counter("notifier_retries_total", "Retries by channel", ["channel"])
DLQ_SIZE = Gauge("notifier_dlq_size", "Deliveries parked in the dead-letter topic")
CIRCUIT_OPEN = Gauge(
    "notifier_circuit_open", "Endpoints of a channel with an open or half-open circuit", ["channel"]
)
CONSUMER_LAG = Gauge("notifier_consumer_lag", "Records behind the log end", ["partition"])
# A re-send after an attempt whose outcome is unknown (marked as a redelivery).
REDELIVERIES = Counter(
    "notifier_redeliveries_total",
    "Messages sent again because an earlier attempt's outcome was unknown",
    ["channel"],
)
UNRECORDED = Gauge(
    "notifier_unrecorded_outcomes",
    "Outcomes of sends this process holds in memory until Postgres takes them",
)
DEPENDENCY_UP, DEPENDENCY_RETRIES = outage_metrics("notifier")
OUTAGES = OutageMetrics(DEPENDENCY_UP, DEPENDENCY_RETRIES)
CONFIG_RELOADS, CONFIG_RELOAD_OK, CONFIG_LOADED_AT = reload_metrics("notifier")
CONFIG_RELOAD = ReloadMetrics(CONFIG_RELOADS, CONFIG_RELOAD_OK, CONFIG_LOADED_AT)

for _channel in CHANNELS:
    LATENCY.labels(_channel)
    RETRIES.labels(_channel)
    REDELIVERIES.labels(_channel)
    CIRCUIT_OPEN.labels(_channel)
    for _outcome in OUTCOMES:
        DELIVERIES.labels(_channel, _outcome)


_COUNTERS: dict[tuple[str, str], Any] = {}
_LATENCIES: dict[str, Any] = {}


def count(channel: str, outcome: str) -> None:
    """Count one delivery outcome (the labelled child is looked up once: this runs per send)."""
    child = _COUNTERS.get((channel, outcome))
    if child is None:
        child = _COUNTERS[channel, outcome] = DELIVERIES.labels(channel, outcome)
    child.inc()


def observe_latency(channel: str, seconds: float) -> None:
    """Record one event -> sent latency for a channel."""
    child = _LATENCIES.get(channel)
    if child is None:
        child = _LATENCIES[channel] = LATENCY.labels(channel)
    child.observe(seconds)


def set_circuit_open(channel: str, count: int) -> None:
    """Publish how many endpoints of a channel have an open circuit."""
    CIRCUIT_OPEN.labels(channel).set(count)

"""Intake metrics, defined once (names are a contract with deploy/ dashboards and rules)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from escalations.contracts.registry import EVENT_TYPES
from escalations.contracts.topics import INTAKE
from escalations.outages import OutageMetrics, outage_metrics
from escalations.reload import ReloadMetrics, reload_metrics

HTTP_REQUESTS = Counter(
    "intake_http_requests_total", "HTTP requests by route and status", ["route", "method", "status"]
)
HTTP_LATENCY = Histogram(
    "intake_http_request_duration_seconds",
    "HTTP request latency",
    ["route", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
EVENTS_PUBLISHED = Counter(
    "intake_events_published_total", "Events acknowledged by Kafka", ["type"]
)
PUBLISH_FAILURES = Counter("intake_publish_failures_total", "Events Kafka did not take", ["type"])
RATE_LIMITED = Counter("intake_rate_limited_total", "Requests refused by rate limit", ["source"])
DEPENDENCY_UP, DEPENDENCY_RETRIES = outage_metrics("intake")
OUTAGES = OutageMetrics(DEPENDENCY_UP, DEPENDENCY_RETRIES)
CONFIG_RELOADS, CONFIG_RELOAD_OK, CONFIG_LOADED_AT = reload_metrics("intake")
CONFIG_RELOAD = ReloadMetrics(CONFIG_RELOADS, CONFIG_RELOAD_OK, CONFIG_LOADED_AT)

for _type, (_topic, _) in EVENT_TYPES.items():
    if _topic == INTAKE:
        EVENTS_PUBLISHED.labels(_type)
        PUBLISH_FAILURES.labels(_type)

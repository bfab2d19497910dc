"""The binding list of metric names and labels the services expose.

What the services must expose: docs/operations.md, "Observability".

Dashboards and alert rules may only use what is listed here; the deploy tests parse every
PromQL expression and compare. When a service adds or renames a metric, change it here in
the same commit, and the tests show every panel and rule that has to follow.
"""

from typing import Final

# Labels Prometheus attaches to every scraped series.
TARGET_LABELS: Final = frozenset({"job", "instance"})

TIERS: Final = frozenset({"P0", "P1", "P2", "P3", "P4"})
SLA_KINDS: Final = frozenset({"acknowledge", "resolve", "regulatory"})
NOTIFIER_CHANNELS: Final = frozenset({"email", "pagerduty", "slack", "teams", "webhook"})
RELOAD_OUTCOMES: Final = frozenset({"applied", "refused"})
DEPENDENCIES: Final = frozenset({"postgres", "kafka"})

METRICS: Final[dict[str, frozenset[str]]] = {
    # intake
    "intake_http_requests_total": frozenset({"route", "method", "status"}),
    "intake_http_request_duration_seconds": frozenset({"route", "method"}),
    "intake_events_published_total": frozenset({"type"}),
    "intake_publish_failures_total": frozenset({"type"}),
    "intake_rate_limited_total": frozenset({"source"}),
    "intake_config_reloads_total": frozenset({"outcome"}),
    "intake_config_last_reload_successful": frozenset(),
    "intake_config_last_reload_success_timestamp_seconds": frozenset(),
    "intake_dependency_up": frozenset({"dependency"}),
    "intake_dependency_retries_total": frozenset({"dependency"}),
    # router
    "router_events_consumed_total": frozenset({"type"}),
    "router_escalations_total": frozenset({"transition", "tier", "team", "source"}),
    "router_time_to_assign_seconds": frozenset({"tier"}),
    "router_time_to_acknowledge_seconds": frozenset({"tier"}),
    "router_time_to_resolve_seconds": frozenset({"tier"}),
    "router_sla_warnings_total": frozenset({"tier", "kind"}),
    "router_sla_breaches_total": frozenset({"tier", "kind"}),
    "router_timers_fired_total": frozenset({"kind"}),
    "router_outbox_backlog": frozenset(),
    "router_consumer_lag": frozenset({"partition"}),
    "router_dead_letters_total": frozenset({"reason"}),
    "router_pruned_rows_total": frozenset({"table"}),
    "router_assignments_total": frozenset({"team", "person", "out_of_hours"}),
    "router_config_reloads_total": frozenset({"outcome"}),
    "router_config_last_reload_successful": frozenset(),
    "router_config_last_reload_success_timestamp_seconds": frozenset(),
    "router_dependency_up": frozenset({"dependency"}),
    "router_dependency_retries_total": frozenset({"dependency"}),
    # notifier
    "notifier_deliveries_total": frozenset({"channel", "outcome"}),
    "notifier_delivery_latency_seconds": frozenset({"channel"}),
    "notifier_retries_total": frozenset({"channel"}),
    "notifier_dlq_size": frozenset(),
    "notifier_circuit_open": frozenset({"channel"}),
    "notifier_consumer_lag": frozenset({"partition"}),
    "notifier_config_reloads_total": frozenset({"outcome"}),
    "notifier_config_last_reload_successful": frozenset(),
    "notifier_config_last_reload_success_timestamp_seconds": frozenset(),
    "notifier_dependency_up": frozenset({"dependency"}),
    "notifier_dependency_retries_total": frozenset({"dependency"}),
    "notifier_redeliveries_total": frozenset({"channel"}),
    "notifier_unrecorded_outcomes": frozenset(),
    # Prometheus itself, and prometheus-client's default process and platform collectors.
    "up": frozenset(),
    "process_cpu_seconds_total": frozenset(),
    "process_resident_memory_bytes": frozenset(),
    "process_virtual_memory_bytes": frozenset(),
    "process_start_time_seconds": frozenset(),
    "process_open_fds": frozenset(),
    "process_max_fds": frozenset(),
    "python_info": frozenset({"implementation", "major", "minor", "patchlevel", "version"}),
    "python_gc_objects_collected_total": frozenset({"generation"}),
    "python_gc_objects_uncollectable_total": frozenset({"generation"}),
    "python_gc_collections_total": frozenset({"generation"}),
}

HISTOGRAMS: Final = frozenset(
    {
        "intake_http_request_duration_seconds",
        "router_time_to_assign_seconds",
        "router_time_to_acknowledge_seconds",
        "router_time_to_resolve_seconds",
        "notifier_delivery_latency_seconds",
    }
)

# Closed sets of label values, checked wherever a query matches on them literally.
LABEL_VALUES: Final[dict[tuple[str, str], frozenset[str]]] = {
    ("router_escalations_total", "transition"): frozenset(
        {"received", "assigned", "escalated", "acknowledged", "resolved"}
    ),
    ("router_escalations_total", "tier"): TIERS,
    ("router_sla_warnings_total", "kind"): SLA_KINDS,
    ("router_sla_breaches_total", "kind"): SLA_KINDS,
    ("router_sla_warnings_total", "tier"): TIERS,
    ("router_sla_breaches_total", "tier"): TIERS,
    ("router_assignments_total", "out_of_hours"): frozenset({"true", "false"}),
    ("notifier_deliveries_total", "outcome"): frozenset(
        {
            "sent",
            "retried",
            "failed",
            "dead_lettered",
            "deferred",
            "duplicate_skipped",
            "held_quiet_hours",
            "not_needed",
        }
    ),
    ("notifier_deliveries_total", "channel"): NOTIFIER_CHANNELS,
    ("notifier_delivery_latency_seconds", "channel"): NOTIFIER_CHANNELS,
    ("notifier_retries_total", "channel"): NOTIFIER_CHANNELS,
    ("notifier_circuit_open", "channel"): NOTIFIER_CHANNELS,
    ("intake_config_reloads_total", "outcome"): RELOAD_OUTCOMES,
    ("router_config_reloads_total", "outcome"): RELOAD_OUTCOMES,
    ("notifier_config_reloads_total", "outcome"): RELOAD_OUTCOMES,
    ("notifier_redeliveries_total", "channel"): NOTIFIER_CHANNELS,
    ("intake_dependency_up", "dependency"): DEPENDENCIES,
    ("router_dependency_up", "dependency"): DEPENDENCIES,
    ("notifier_dependency_up", "dependency"): DEPENDENCIES,
    ("intake_dependency_retries_total", "dependency"): DEPENDENCIES,
    ("router_dependency_retries_total", "dependency"): DEPENDENCIES,
    ("notifier_dependency_retries_total", "dependency"): DEPENDENCIES,
    ("up", "job"): frozenset({"intake", "router", "notifier", "prometheus"}),
}

# Binding Kafka topics (docs/contract/events.md, "Topics").
TOPICS: Final = frozenset(
    {
        "escalations.intake.v1",
        "escalations.events.v1",
        "notifications.dlq.v1",
        "escalations.deadletter.v1",
    }
)


def series_labels(name: str) -> frozenset[str] | None:
    """Return the labels a series name may carry, or None when it is not in the catalog."""
    if name in METRICS:
        return METRICS[name] | TARGET_LABELS
    for suffix, extra in (("_bucket", {"le"}), ("_sum", set()), ("_count", set())):
        base = name.removesuffix(suffix)
        if name.endswith(suffix) and base in HISTOGRAMS:
            return METRICS[base] | TARGET_LABELS | extra
    if name.endswith("_created") and name.removesuffix("_created") + "_total" in METRICS:
        return METRICS[name.removesuffix("_created") + "_total"] | TARGET_LABELS
    return None


def base_metric(name: str) -> str:
    """Map a histogram series name (`_bucket`, `_sum`, `_count`) to its metric name."""
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and name.removesuffix(suffix) in HISTOGRAMS:
            return name.removesuffix(suffix)
    return name

"""The services define exactly the metrics the dashboards and rules are written against."""

from types import ModuleType

import pytest
from prometheus_client import Counter
from prometheus_client.metrics import MetricWrapperBase

import escalations_intake.metrics
import escalations_notifier.metrics
import escalations_router.metrics
from escalations.contracts import topics

from .metrics_catalog import METRICS, TOPICS

MODULES = {
    "intake": escalations_intake.metrics,
    "router": escalations_router.metrics,
    "notifier": escalations_notifier.metrics,
}


def defined_metrics(module: ModuleType) -> dict[str, frozenset[str]]:
    """Return the exposed name and label names of every metric a module defines."""
    found: dict[str, frozenset[str]] = {}
    for value in vars(module).values():
        if isinstance(value, MetricWrapperBase):
            # prometheus-client keeps internals private; these two are stable across releases.
            name = value._name + ("_total" if isinstance(value, Counter) else "")
            found[name] = frozenset(value._labelnames)
    return found


@pytest.mark.parametrize("service", sorted(MODULES))
def test_service_metrics_match_the_catalog(service: str) -> None:
    """Each catalog metric of a service is defined by it, with the same labels, and no other."""
    expected = {n: labels for n, labels in METRICS.items() if n.startswith(f"{service}_")}
    assert expected == defined_metrics(MODULES[service])


def test_catalog_topics_are_the_topics_set_up_creates() -> None:
    """Topic names quoted by the runbooks are the ones `escalations.setup` creates."""
    assert TOPICS == {spec.name for spec in topics.TOPICS}

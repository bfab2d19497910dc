"""The PromQL reader that feeds the drift checks finds what queries really use."""

import pytest

from .promql import Matcher, Selector, literal_values, query_use, substitute_grafana_vars
from .promql_check import catalog_problems


@pytest.mark.parametrize(
    ("expr", "metrics"),
    [
        ("up", {"up"}),
        ('sum by (tier) (rate(router_sla_breaches_total{kind="resolve"}[5m]))',
         {"router_sla_breaches_total"}),
        ("histogram_quantile(0.95, sum by (le) (rate(x_seconds_bucket[5m])))",
         {"x_seconds_bucket"}),
        ("a_total / ignoring (kind) group_left b_total", {"a_total", "b_total"}),
        ("sum without (instance) (c) > bool 1e3 offset 5m", {"c"}),
        ('label_replace(up, "dst", "$1", "instance", "(.*)")', {"up"}),
        ("max(notifier_dlq_size) > 0 and deriv(router_outbox_backlog[10m]) > 0",
         {"notifier_dlq_size", "router_outbox_backlog"}),
    ],
)  # fmt: skip
def test_query_use_finds_every_metric_and_no_function(expr: str, metrics: set[str]) -> None:
    """Metric names are found whether bare or with matchers; functions and keywords are not."""
    assert metrics == {s.metric for s in query_use(expr).selectors}


def test_query_use_reads_matchers_and_grouping_labels() -> None:
    """Matchers keep their operator and value; by/on/ignoring labels are collected."""
    use = query_use('sum by (tier, le) (m{kind=~"a|b", tier!="P4"}) / on (tier) n')
    expected = Selector("m", (Matcher("kind", "=~", "a|b"), Matcher("tier", "!=", "P4")))
    assert expected == use.selectors[0]
    assert frozenset({"tier", "le"}) == use.grouping_labels


def test_query_use_rejects_a_selector_without_a_metric_name() -> None:
    """A `{__name__=~...}` selector would dodge the catalog check, so it is refused."""
    with pytest.raises(ValueError, match="without a fixed metric name"):
        query_use('{__name__=~"router_.*"}')


@pytest.mark.parametrize(
    ("matcher", "values"),
    [
        (Matcher("k", "=", "a"), ("a",)),
        (Matcher("k", "=~", "a|b_c"), ("a", "b_c")),
        (Matcher("k", "=~", "5.."), None),
        (Matcher("k", "!=", "a"), None),
    ],
)
def test_literal_values_only_for_plain_names(
    matcher: Matcher, values: tuple[str, ...] | None
) -> None:
    """Only `=` and plain alternations name values; patterns and negations do not."""
    assert values == literal_values(matcher)


def test_grafana_variables_become_valid_promql() -> None:
    """Interval variables become a duration, other variables a match-all pattern."""
    expr = 'rate(m{team=~"$team",p=~"${person:regex}"}[$__rate_interval])'
    assert 'rate(m{team=~".*",p=~".*"}[5m])' == substitute_grafana_vars(expr)


@pytest.mark.parametrize(
    ("expr", "problems"),
    [
        ('router_escalations_total{transition="received"}', []),
        ("rate(router_time_to_assign_seconds_bucket[5m])", []),
        ("router_escalation_total", ["unknown metric router_escalation_total"]),
        ('notifier_deliveries_total{outcome="delivered"}',
         ["notifier_deliveries_total{outcome} has no value 'delivered'"]),
        ('router_sla_breaches_total{team="x"}', ["router_sla_breaches_total has no label team"]),
        ("sum by (team) (router_sla_breaches_total)", ["groups by unknown label team"]),
        ("sum by (le) (rate(router_outbox_backlog[5m]))", []),
    ],
)  # fmt: skip
def test_catalog_problems_name_the_drift(expr: str, problems: list[str]) -> None:
    """Unknown metrics, labels and enumerated values are each reported by name."""
    assert problems == catalog_problems(expr)

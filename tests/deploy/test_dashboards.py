"""Grafana dashboards are valid models whose queries use only real metrics and valid PromQL."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .files import DEPLOY, load_yaml
from .promql import query_use, substitute_grafana_vars
from .promql_check import catalog_problems, promtool_problems

Board = dict[str, Any]
EXPECTED_FILES = {"sla-compliance.json", "oncall-load.json", "pipeline-health.json"}
DATASOURCE = {"type": "prometheus", "uid": "prometheus"}
_LABEL_VALUES = re.compile(r"label_values\((?:(.+),\s*)?(\w+)\)")
_VARIABLE = re.compile(r"\$\{?(\w+)")


def panels(board: Board) -> Iterator[dict[str, Any]]:
    """Yield every panel, including those nested in collapsed rows."""
    for panel in board["panels"]:
        yield panel
        yield from panel.get("panels", [])


def queries(board: Board) -> Iterator[tuple[str, str]]:
    """Yield (where, PromQL) for every panel target and variable query of a dashboard."""
    for panel in panels(board):
        for target in panel.get("targets", []):
            yield f"{board['uid']}/{panel['title']}/{target['refId']}", target["expr"]
    for var in board["templating"]["list"]:
        if var["type"] == "query":
            match = _LABEL_VALUES.fullmatch(var["definition"])
            assert match is not None, f"{board['uid']}: unreadable variable {var['definition']}"
            metric, label = match.groups()
            assert metric, f"{board['uid']}: variable ${var['name']} must name a metric"
            # As a grouping, the catalog check also covers the variable's label.
            yield f"{board['uid']}/${var['name']}", f"count by ({label}) ({metric})"


def test_the_three_dashboards_ship(dashboards: dict[str, Board]) -> None:
    """SLA compliance, on-call load and pipeline health dashboards exist, with unique uids."""
    assert EXPECTED_FILES == set(dashboards)
    uids = [board["uid"] for board in dashboards.values()]
    assert sorted(set(uids)) == sorted(uids)
    assert all(board["schemaVersion"] >= 36 for board in dashboards.values())


def test_panel_ids_are_unique(dashboards: dict[str, Board]) -> None:
    """Within a dashboard no two panels share an id."""
    for name, board in dashboards.items():
        ids = [panel["id"] for panel in panels(board)]
        assert sorted(set(ids)) == sorted(ids), name


def test_every_query_panel_uses_the_provisioned_datasource(dashboards: dict[str, Board]) -> None:
    """Each panel and each of its targets point at the datasource uid `prometheus`."""
    wrong = [
        f"{name}/{panel['title']}"
        for name, board in dashboards.items()
        for panel in panels(board)
        if panel["type"] != "row"
        and (panel.get("datasource") != DATASOURCE
             or any(t.get("datasource") != DATASOURCE for t in panel["targets"])
             or not panel["targets"])
    ]  # fmt: skip
    assert [] == wrong


def test_every_panel_has_a_unit_and_fits_the_grid(dashboards: dict[str, Board]) -> None:
    """Panels state a unit, stay inside 24 columns and never overlap."""
    for name, board in dashboards.items():
        taken: set[tuple[int, int]] = set()
        for panel in panels(board):
            pos = panel["gridPos"]
            assert pos["x"] + pos["w"] <= 24, f"{name}/{panel['title']}"
            cells = {(x, y) for x in range(pos["x"], pos["x"] + pos["w"])
                     for y in range(pos["y"], pos["y"] + pos["h"])}  # fmt: skip
            assert set() == taken & cells, f"{name}/{panel['title']} overlaps"
            taken |= cells
            if panel["type"] != "row":
                assert panel["fieldConfig"]["defaults"].get("unit"), f"{name}/{panel['title']}"


def test_every_query_uses_only_catalogued_metrics(dashboards: dict[str, Board]) -> None:
    """Metric names, labels and enumerated values in queries match the binding catalog."""
    problems = {
        where: found
        for board in dashboards.values()
        for where, expr in queries(board)
        if (found := catalog_problems(substitute_grafana_vars(expr)))
    }
    assert {} == problems


def test_variables_are_defined_and_used(dashboards: dict[str, Board]) -> None:
    """Every `$var` in a query is a templating variable, and every variable is used."""
    for name, board in dashboards.items():
        defined = {var["name"] for var in board["templating"]["list"]}
        used = {v for _, expr in queries(board) for v in _VARIABLE.findall(expr)}
        assert set() == {v for v in used if not v.startswith("__")} - defined, name
        assert set() == defined - used, name


def test_every_query_is_valid_promql(
    dashboards: dict[str, Board], promtool: str, tmp_path: Path
) -> None:
    """promtool accepts every panel query once Grafana variables are filled in."""
    exprs = {
        where: substitute_grafana_vars(expr)
        for board in dashboards.values()
        for where, expr in queries(board)
    }
    assert "" == promtool_problems(promtool, exprs, tmp_path)


@pytest.mark.parametrize(
    ("file", "required"),
    [
        ("sla-compliance.json", {"router_sla_breaches_total", "router_sla_warnings_total",
                                 "router_escalations_total",
                                 "router_time_to_acknowledge_seconds_bucket"}),
        ("oncall-load.json", {"router_assignments_total"}),
        ("pipeline-health.json", {"intake_http_requests_total",
                                  "intake_http_request_duration_seconds_bucket",
                                  "intake_publish_failures_total", "router_events_consumed_total",
                                  "router_outbox_backlog", "router_consumer_lag",
                                  "notifier_consumer_lag", "notifier_deliveries_total",
                                  "notifier_dlq_size", "notifier_circuit_open"}),
    ],
)  # fmt: skip
def test_each_dashboard_covers_its_subject(
    dashboards: dict[str, Board], file: str, required: set[str]
) -> None:
    """Each dashboard charts the metrics its subject needs."""
    used = {
        sel.metric
        for _, expr in queries(dashboards[file])
        for sel in query_use(substitute_grafana_vars(expr)).selectors
    }
    assert set() == required - used


def test_oncall_load_shows_out_of_hours_per_person(dashboards: dict[str, Board]) -> None:
    """Leads can see who carries nights and weekends: a per-person out-of-hours query exists."""
    exprs = [expr for _, expr in queries(dashboards["oncall-load.json"])]
    assert any('out_of_hours="true"' in e and "by (person)" in e for e in exprs)


def test_provisioning_points_at_the_mounted_dashboards(compose: dict[str, Any]) -> None:
    """The dashboard provider reads the folder compose mounts, the datasource has uid prometheus."""
    provider = load_yaml(DEPLOY / "grafana/provisioning/dashboards/dashboards.yml")["providers"][0]
    mounts = dict(v.split(":")[:2] for v in compose["services"]["grafana"]["volumes"])
    assert "/etc/grafana/dashboards" == provider["options"]["path"]
    assert "/etc/grafana/dashboards" == mounts["./deploy/grafana/dashboards"]
    source = load_yaml(DEPLOY / "grafana/provisioning/datasources/prometheus.yml")["datasources"]
    assert [("prometheus", "prometheus", "http://prometheus:9090")] == [
        (s["type"], s["uid"], s["url"]) for s in source
    ]
    assert "/etc/grafana/provisioning" == mounts["./deploy/grafana/provisioning"]

"""Alert rules are complete, documented, tested with promtool and use only real metrics."""

import re
from pathlib import Path
from typing import Any

from .files import DEPLOY, PORTS, PROMTOOL_TESTS, RULES, SERVICES, load_yaml, run_promtool
from .metrics_catalog import TOPICS
from .promql_check import catalog_problems

REQUIRED_ALERTS = {
    "EscalationSLABreachRateHigh",
    "EscalationP0AcknowledgeBreach",
    "RouterOutboxBacklogGrowing",
    "RouterConsumerLagHigh",
    "NotifierConsumerLagHigh",
    "NotifierDeadLetterQueueNotEmpty",
    "NotifierCircuitOpen",
    "EscalationsServiceDown",
    "IntakePublishFailing",
}
_TOPIC = re.compile(r"\b[a-z]+\.[a-z]+\.v\d+\b")


def alerts(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return every alerting rule of the rule groups."""
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def test_the_required_alerts_exist_once(rule_groups: list[dict[str, Any]]) -> None:
    """Every alert the runbook promises is defined, and no name is defined twice."""
    names = [rule["alert"] for rule in alerts(rule_groups)]
    assert set() == REQUIRED_ALERTS - set(names)
    assert sorted(set(names)) == sorted(names)


def test_every_alert_has_severity_summary_and_description(
    rule_groups: list[dict[str, Any]],
) -> None:
    """Each alert says how urgent it is, what happened and what to check first."""
    incomplete = [
        rule["alert"]
        for rule in alerts(rule_groups)
        if rule["labels"].get("severity") not in {"critical", "warning"}
        or not rule["annotations"].get("summary")
        or len(rule["annotations"].get("description", "")) < 120
    ]
    assert [] == incomplete


def test_rule_expressions_use_only_catalogued_metrics(rule_groups: list[dict[str, Any]]) -> None:
    """Alert expressions name only metrics, labels and values from the binding catalog."""
    problems = {
        rule["alert"]: found
        for rule in alerts(rule_groups)
        if (found := catalog_problems(rule["expr"]))
    }
    assert {} == problems


def test_annotations_name_only_real_topics(rule_groups: list[dict[str, Any]]) -> None:
    """Topic names quoted in runbook text are the topics the system creates."""
    quoted = {
        topic
        for rule in alerts(rule_groups)
        for text in rule["annotations"].values()
        for topic in _TOPIC.findall(text)
    }
    assert set() == quoted - TOPICS


def test_promtool_accepts_the_rules(promtool: str) -> None:
    """`promtool check rules` finds no error in the shipped rules files."""
    result = run_promtool(promtool, "check", "rules", *sorted(RULES.glob("*.yml")))
    assert 0 == result.returncode, result.stdout + result.stderr


def test_promtool_unit_tests_pass(promtool: str) -> None:
    """`promtool test rules` passes on every alert unit test file."""
    files = sorted(PROMTOOL_TESTS.glob("*.test.yml"))
    assert files, "no promtool unit tests found"
    result = run_promtool(promtool, "test", "rules", *files)
    assert 0 == result.returncode, result.stdout + result.stderr


def test_every_alert_is_tested_firing_and_quiet(rule_groups: list[dict[str, Any]]) -> None:
    """Each alert has a unit test case where it fires and one where it stays silent."""
    fires: set[str] = set()
    quiet: set[str] = set()
    for path in PROMTOOL_TESTS.glob("*.test.yml"):
        for case in load_yaml(path)["tests"]:
            for check in case.get("alert_rule_test", []):
                (fires if check.get("exp_alerts") else quiet).add(check["alertname"])
    names = {rule["alert"] for rule in alerts(rule_groups)}
    assert (set(), set()) == (names - fires, names - quiet)


def test_prometheus_scrapes_each_service_on_its_port() -> None:
    """Scrape jobs are named after the services and target their compose host and port."""
    config = load_yaml(DEPLOY / "prometheus/prometheus.yml")
    targets = {
        job["job_name"]: [t for sc in job["static_configs"] for t in sc["targets"]]
        for job in config["scrape_configs"]
    }
    assert {s: [f"{s}:{PORTS[s]}"] for s in SERVICES} == {s: targets.get(s) for s in SERVICES}


def test_prometheus_config_is_valid_and_loads_the_rules(
    promtool: str, compose: dict[str, Any], tmp_path: Path
) -> None:
    """`promtool check config` passes once the container rules path points at deploy/."""
    mounts = dict(v.split(":")[:2] for v in compose["services"]["prometheus"]["volumes"])
    container_rules = mounts["./deploy/prometheus/rules"]
    text = (DEPLOY / "prometheus/prometheus.yml").read_text()
    assert f"{container_rules}/*.yml" in text
    local = tmp_path / "prometheus.yml"
    local.write_text(text.replace(container_rules, str(RULES)))
    result = run_promtool(promtool, "check", "config", local)
    assert 0 == result.returncode, result.stdout + result.stderr
    assert "SUCCESS: 1 rule files found" in result.stdout

"""Check PromQL expressions against promtool and the metrics catalog."""

from pathlib import Path

import yaml

from .files import run_promtool
from .metrics_catalog import LABEL_VALUES, TARGET_LABELS, base_metric, series_labels
from .promql import Selector, literal_values, query_use


def _matcher_problems(sel: Selector, labels: frozenset[str]) -> list[str]:
    problems: list[str] = []
    for matcher in sel.matchers:
        if matcher.label not in labels:
            problems.append(f"{sel.metric} has no label {matcher.label}")
            continue
        known = LABEL_VALUES.get((base_metric(sel.metric), matcher.label))
        if known is None:
            continue
        problems.extend(
            f"{sel.metric}{{{matcher.label}}} has no value {value!r}"
            for value in literal_values(matcher) or ()
            if value not in known
        )
    return problems


def catalog_problems(expr: str) -> list[str]:
    """Return what in `expr` is not in the metrics catalog (empty when it all is)."""
    use = query_use(expr)
    problems: list[str] = []
    allowed_grouping = set(TARGET_LABELS) | {"le"}
    for sel in use.selectors:
        labels = series_labels(sel.metric)
        if labels is None:
            problems.append(f"unknown metric {sel.metric}")
            continue
        allowed_grouping |= labels
        problems.extend(_matcher_problems(sel, labels))
    problems.extend(
        f"groups by unknown label {label}"
        for label in sorted(use.grouping_labels)
        if label not in allowed_grouping
    )
    return problems


def promtool_problems(promtool: str, exprs: dict[str, str], workdir: Path) -> str:
    """Return promtool's complaints about `exprs` (name -> PromQL), empty when all parse."""
    groups = [
        {"name": name, "rules": [{"record": f"deploy_check:q{i}", "expr": expr}]}
        for i, (name, expr) in enumerate(exprs.items())
    ]
    path = workdir / "queries.rules.yml"
    path.write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
    result = run_promtool(promtool, "check", "rules", path)
    return "" if result.returncode == 0 else result.stdout + result.stderr

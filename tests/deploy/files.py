"""Where the deploy files live, how to read them and how to run promtool."""

import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
DASHBOARDS = DEPLOY / "grafana" / "dashboards"
RULES = DEPLOY / "prometheus" / "rules"
PROMTOOL_TESTS = DEPLOY / "prometheus" / "tests"
K8S = DEPLOY / "k8s"
SERVICES = ("intake", "router", "notifier")
PORTS = {
    "intake": 8080,
    "router": 8081,
    "notifier": 8082,
    "inbox": 8083,
    "prometheus": 9090,
    "grafana": 3000,
}
MODULES = {
    "intake": "escalations_intake",
    "router": "escalations_router",
    "notifier": "escalations_notifier",
    "setup": "escalations.setup",
}

_DEFAULTED = re.compile(r"\$\{(\w+):-([^}]*)\}")


def load_yaml(path: Path) -> Any:
    """Parse one YAML document, naming the file when it is not valid YAML."""
    try:
        return yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise AssertionError(f"{path.relative_to(REPO)} is not valid YAML: {exc}") from exc


def load_yaml_all(path: Path) -> list[Any]:
    """Parse every document of a multi-document YAML file, skipping empty ones."""
    try:
        return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]
    except yaml.YAMLError as exc:
        raise AssertionError(f"{path.relative_to(REPO)} is not valid YAML: {exc}") from exc


def run_promtool(promtool: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run promtool with a time limit and return the finished process."""
    return subprocess.run(
        [promtool, *map(str, args)], capture_output=True, text=True, timeout=60, check=False
    )


def resolved_env(service: dict[str, Any]) -> dict[str, str]:
    """Return a service's environment with `${VAR:-default}` replaced by the default."""
    env = service.get("environment", {})
    assert isinstance(env, dict), "environment must be a mapping"
    return {k: _DEFAULTED.sub(lambda m: m.group(2), str(v)) for k, v in env.items()}

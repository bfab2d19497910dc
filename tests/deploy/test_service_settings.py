"""The environment compose and Kubernetes give each service is what its settings accept."""

from pathlib import Path
from typing import Any

import pytest
from pydantic_settings import BaseSettings

from escalations.settings import InfraSettings
from escalations_intake.settings import IntakeSettings
from escalations_notifier.settings import NotifierSettings
from escalations_router.settings import RouterSettings

from .files import K8S, REPO, load_yaml, load_yaml_all, resolved_env

SETTINGS: dict[str, type[BaseSettings]] = {
    "setup": InfraSettings,
    "intake": IntakeSettings,
    "router": RouterSettings,
    "notifier": NotifierSettings,
}
K8S_WORKLOADS = {"setup": "escalations-setup", "intake": "intake", "router": "router",
                 "notifier": "notifier"}  # fmt: skip


def env_names(settings: type[BaseSettings]) -> set[str]:
    """Return the environment variable names a settings class reads."""
    prefix = str(settings.model_config.get("env_prefix", ""))
    names = set()
    for name, field in settings.model_fields.items():
        alias = field.validation_alias
        names.add((alias if isinstance(alias, str) else prefix + name).upper())
    return names


def k8s_env_names(workload: str) -> set[str]:
    """Return the variables a Kubernetes workload's containers set."""
    resources = load_yaml(K8S / "kustomization.yaml")["resources"]
    docs = [doc for name in resources for doc in load_yaml_all(K8S / name)]
    return {
        env["name"]
        for doc in docs
        if doc["kind"] in {"Deployment", "Job"} and doc["metadata"]["name"] == workload
        for container in doc["spec"]["template"]["spec"]["containers"]
        for env in container.get("env", [])
    }


def host_path(service: dict[str, Any], container_path: str) -> str:
    """Map a path inside the container back to the repository file mounted there."""
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if target == container_path and source.startswith("./"):
            return str(REPO / source)
    return container_path


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_every_variable_is_read_by_the_service(compose: dict[str, Any], name: str) -> None:
    """No variable in compose is silently ignored because of a typo or a missing setting."""
    env = resolved_env(compose["services"][name])
    assert set() == set(env) - env_names(SETTINGS[name])


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_every_kubernetes_variable_is_read_by_the_service(name: str) -> None:
    """The manifests set no variable the service would ignore, and do set some."""
    names = k8s_env_names(K8S_WORKLOADS[name])
    assert names
    assert set() == names - env_names(SETTINGS[name])


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_service_settings_accept_the_compose_environment(
    compose: dict[str, Any], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The settings validate with compose's defaults, so the container starts as shipped."""
    service = compose["services"][name]
    for var in env_names(SETTINGS[name]):
        monkeypatch.delenv(var, raising=False)
    env = resolved_env(service)
    if "ESCALATIONS_CONFIG" in env:
        env["ESCALATIONS_CONFIG"] = host_path(service, env["ESCALATIONS_CONFIG"])
        assert Path(env["ESCALATIONS_CONFIG"]).is_file()
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    settings = SETTINGS[name]()
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == settings.kafka_bootstrap_servers  # type: ignore[attr-defined]

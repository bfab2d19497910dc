"""Kubernetes manifests parse, reference what exists and agree with compose."""

from collections.abc import Iterator
from typing import Any

import pytest

from .files import K8S, MODULES, PORTS, REPO, SERVICES, load_yaml, load_yaml_all, resolved_env

Doc = dict[str, Any]
DEMO_CONFIG = REPO / "shared/src/escalations/data/demo.yaml"
# Settings only Kubernetes needs: behind an ingress, links must use the public URL.
K8S_ONLY_ENV = {"LOG_LEVEL", "INTAKE_PUBLIC_URL", "ESCALATIONS_PUBLIC_URL"}


@pytest.fixture(scope="module")
def kustomization() -> Doc:
    """Return deploy/k8s/kustomization.yaml."""
    data = load_yaml(K8S / "kustomization.yaml")
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def docs(kustomization: Doc) -> list[Doc]:
    """Return every manifest listed in the kustomization."""
    return [doc for name in kustomization["resources"] for doc in load_yaml_all(K8S / name)]


def by_kind(docs: list[Doc], kind: str) -> dict[str, Doc]:
    """Return the documents of one kind by name."""
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def containers(docs: list[Doc]) -> Iterator[tuple[str, Doc, Doc]]:
    """Yield (workload name, pod spec, container) for every Deployment and Job container."""
    for doc in docs:
        if doc["kind"] in {"Deployment", "Job"}:
            pod = doc["spec"]["template"]["spec"]
            for container in pod["containers"]:
                yield doc["metadata"]["name"], pod, container


def config_keys(docs: list[Doc], kustomization: Doc) -> dict[str, set[str]]:
    """Return the keys of every ConfigMap, including those kustomize generates."""
    keys = {name: set(d.get("data", {})) for name, d in by_kind(docs, "ConfigMap").items()}
    for gen in kustomization.get("configMapGenerator", []):
        keys[gen["name"]] = {f.split("=")[0].split("/")[-1] for f in gen["files"]}
    return keys


def test_kustomization_lists_every_manifest(kustomization: Doc) -> None:
    """Every manifest file in deploy/k8s is applied, and every listed file exists."""
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", "config.yaml"}
    assert on_disk == set(kustomization["resources"])


def test_every_document_is_a_named_namespaced_object(docs: list[Doc]) -> None:
    """Each manifest has apiVersion, kind and name, and lives in the escalations namespace."""
    for doc in docs:
        assert {"apiVersion", "kind", "metadata"} <= set(doc), doc
        if doc["kind"] != "Namespace":
            assert "escalations" == doc["metadata"].get("namespace"), doc["metadata"]["name"]


def test_env_references_point_at_existing_keys(docs: list[Doc], kustomization: Doc) -> None:
    """Every configMapKeyRef and secretKeyRef names an existing ConfigMap or Secret key."""
    maps = config_keys(docs, kustomization)
    secrets = {n: set(d.get("stringData", {})) | set(d.get("data", {}))
               for n, d in by_kind(docs, "Secret").items()}  # fmt: skip
    missing = []
    for workload, _, container in containers(docs):
        for env in container.get("env", []):
            ref = env.get("valueFrom", {})
            for kind, known in (("configMapKeyRef", maps), ("secretKeyRef", secrets)):
                if kind in ref and ref[kind]["key"] not in known.get(ref[kind]["name"], set()):
                    missing.append(f"{workload}: {ref[kind]['name']}/{ref[kind]['key']}")
    assert [] == missing


def test_config_volumes_point_at_existing_configmaps(docs: list[Doc], kustomization: Doc) -> None:
    """Every configMap volume names a ConfigMap that the manifests define or generate."""
    maps = config_keys(docs, kustomization)
    used = {
        volume["configMap"]["name"]
        for _, pod, _ in containers(docs)
        for volume in pod.get("volumes", [])
        if "configMap" in volume
    }
    assert set() == used - set(maps)


def test_shipped_config_is_the_demo_config() -> None:
    """config.yaml is the shipped demo; copy demo.yaml over it when the demo changes."""
    assert DEMO_CONFIG.read_text() == (K8S / "config.yaml").read_text(), (
        "deploy/k8s/config.yaml differs from shared/src/escalations/data/demo.yaml: copy it over"
    )


@pytest.mark.parametrize("name", SERVICES)
def test_service_deployment_runs_probes_and_requests(docs: list[Doc], name: str) -> None:
    """Each service runs its module, probes /healthz and /readyz and requests resources."""
    pod = by_kind(docs, "Deployment")[name]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert ["python", "-m", MODULES[name]] == container["command"]
    assert [PORTS[name]] == [p["containerPort"] for p in container["ports"]]
    assert "/healthz" == container["livenessProbe"]["httpGet"]["path"]
    assert "/readyz" == container["readinessProbe"]["httpGet"]["path"]
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["image"].startswith(f"escalations-{name}:")


@pytest.mark.parametrize("name", SERVICES)
def test_each_deployment_has_a_matching_service(docs: list[Doc], name: str) -> None:
    """A Service selects the deployment's pods and forwards the service port."""
    deployment = by_kind(docs, "Deployment")[name]
    service = by_kind(docs, "Service")[name]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert [PORTS[name]] == [p["port"] for p in service["spec"]["ports"]]


def test_setup_job_runs_the_setup_module(docs: list[Doc]) -> None:
    """The set-up Job runs `python -m escalations.setup` and retries on failure."""
    job = by_kind(docs, "Job")["escalations-setup"]
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert ["python", "-m", MODULES["setup"]] == container["command"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] in {"OnFailure", "Never"}


@pytest.mark.parametrize("name", ["setup", *SERVICES])
def test_env_matches_compose(docs: list[Doc], compose: dict[str, Any], name: str) -> None:
    """Each workload sets the variables compose sets for it, plus only Kubernetes extras."""
    workload = {"setup": "escalations-setup"}.get(name, name)
    (env,) = [c.get("env", []) for w, _, c in containers(docs) if w == workload]
    k8s_names = {e["name"] for e in env}
    assert set(resolved_env(compose["services"][name])) == k8s_names - K8S_ONLY_ENV

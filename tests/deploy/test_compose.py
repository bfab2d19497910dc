"""docker-compose.yml parses and is coherent: images, health, ordering, ports, env, mounts."""

from typing import Any

import pytest

from .files import PORTS, REPO, SERVICES, resolved_env

ONE_SHOT = {"setup"}
REQUIRED_ENV = {
    "setup": {"KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL"},
    "intake": {"ESCALATIONS_CONFIG", "KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL", "INTAKE_HOST",
               "INTAKE_PORT", "ESCALATIONS_BOOTSTRAP_KEY"},
    "router": {"ESCALATIONS_CONFIG", "KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL",
               "ROUTER_HTTP_HOST", "ROUTER_HTTP_PORT"},
    "notifier": {"ESCALATIONS_CONFIG", "KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL",
                 "NOTIFIER_HTTP_HOST", "NOTIFIER_HTTP_PORT", "NOTIFIER_WEBHOOK_SECRET"},
}  # fmt: skip


def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Return the compose services by name."""
    return compose["services"]  # type: ignore[no-any-return]


def test_expected_services_exist(compose: dict[str, Any]) -> None:
    """The stack has infrastructure, set-up, the three services, the inbox and monitoring."""
    expected = {"kafka", "postgres", "setup", *SERVICES, "inbox", "prometheus", "grafana"}
    assert set() == expected - set(services(compose))


def test_every_service_has_an_image_or_build(compose: dict[str, Any]) -> None:
    """Each service can be started: it names an image or how to build one."""
    assert [] == [n for n, s in services(compose).items() if "image" not in s and "build" not in s]


def test_third_party_images_are_pinned(compose: dict[str, Any]) -> None:
    """Images pulled from a registry carry an explicit version tag, never `latest`."""
    unpinned = [
        s["image"]
        for s in services(compose).values()
        if "build" not in s and (":" not in s["image"] or s["image"].endswith(":latest"))
    ]
    assert [] == unpinned


def test_every_long_running_service_has_a_healthcheck(compose: dict[str, Any]) -> None:
    """Everything but the one-shot set-up reports its health to compose."""
    missing = [
        name
        for name, s in services(compose).items()
        if name not in ONE_SHOT and not s.get("healthcheck", {}).get("test")
    ]
    assert [] == missing


def test_depends_on_waits_for_health_or_completion(compose: dict[str, Any]) -> None:
    """Dependencies use conditions, and only on healthy services or the finished set-up."""
    problems = []
    for name, s in services(compose).items():
        deps = s.get("depends_on", {})
        assert isinstance(deps, dict), f"{name}: depends_on must be a mapping with conditions"
        for dep, spec in deps.items():
            want = "service_completed_successfully" if dep in ONE_SHOT else "service_healthy"
            if spec.get("condition") != want:
                problems.append(f"{name} -> {dep}: {spec.get('condition')}")
    assert [] == problems


@pytest.mark.parametrize("name", SERVICES)
def test_services_start_after_infra_and_setup(compose: dict[str, Any], name: str) -> None:
    """Each service waits for Kafka and Postgres to be healthy and set-up to have finished."""
    deps = services(compose)[name]["depends_on"]
    assert {"kafka", "postgres", "setup"} <= set(deps)
    setup_deps = services(compose)["setup"]["depends_on"]
    assert {"kafka", "postgres"} <= set(setup_deps)


def test_published_ports_are_the_defaults_on_loopback(compose: dict[str, Any]) -> None:
    """Default ports are published, and every published port binds 127.0.0.1 only."""
    published: dict[str, list[str]] = {n: s.get("ports", []) for n, s in services(compose).items()}
    exposed = [p for ports in published.values() for p in ports if not p.startswith("127.0.0.1:")]
    assert [] == exposed
    for name, port in PORTS.items():
        assert f"127.0.0.1:{port}:{port}" in published[name], name


@pytest.mark.parametrize("name", SERVICES)
def test_healthcheck_probes_the_service_port(compose: dict[str, Any], name: str) -> None:
    """Service healthchecks call /healthz on the service's own port with Python (no curl)."""
    test = services(compose)[name]["healthcheck"]["test"]
    assert ["CMD", "python", "-c"] == test[:3]
    assert f"http://127.0.0.1:{PORTS[name]}/healthz" in test[3]


@pytest.mark.parametrize("name", sorted(REQUIRED_ENV))
def test_required_env_is_set(compose: dict[str, Any], name: str) -> None:
    """Each service gets every variable it needs, with the container ports as defaults."""
    env = resolved_env(services(compose)[name])
    assert set() == REQUIRED_ENV[name] - set(env)
    if name in PORTS:
        assert str(PORTS[name]) in {v for k, v in env.items() if k.endswith("PORT")}
        # Inside a container the service must listen on all interfaces to be reachable.
        assert "0.0.0.0" in {v for k, v in env.items() if k.endswith("HOST")}  # noqa: S104


def test_infra_addresses_point_at_compose_services(compose: dict[str, Any]) -> None:
    """Kafka and Postgres addresses name the compose services and the database they create."""
    pg = services(compose)["postgres"]["environment"]
    for name in ("setup", *SERVICES):
        env = resolved_env(services(compose)[name])
        assert "kafka:9092" == env["KAFKA_BOOTSTRAP_SERVERS"]
        assert env["DATABASE_URL"].startswith(f"postgresql+asyncpg://{pg['POSTGRES_USER']}:")
        assert env["DATABASE_URL"].endswith(f"@postgres:5432/{pg['POSTGRES_DB']}")


def test_bind_mounts_exist_in_the_repository(compose: dict[str, Any]) -> None:
    """Every ./path mounted into a container exists (Docker would create an empty dir)."""
    sources = {
        volume.split(":")[0]
        for s in services(compose).values()
        for volume in s.get("volumes", [])
        if volume.startswith("./")
    }
    assert [] == sorted(src for src in sources if not (REPO / src).exists())


def test_named_volumes_are_declared(compose: dict[str, Any]) -> None:
    """Named volumes used by services are declared at top level, and all are used."""
    used = {
        volume.split(":")[0]
        for s in services(compose).values()
        for volume in s.get("volumes", [])
        if not volume.startswith(("./", "/"))
    }
    assert used == set(compose.get("volumes", {}))


def test_kafka_is_single_node_kraft_without_auto_topics(compose: dict[str, Any]) -> None:
    """Kafka runs KRaft combined mode, never creates topics implicitly, replication 1."""
    kafka = services(compose)["kafka"]
    env = {k: str(v) for k, v in kafka["environment"].items()}
    assert kafka["image"].startswith("apache/kafka:4.")
    assert "broker,controller" == env["KAFKA_PROCESS_ROLES"]
    assert "false" == env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"]
    assert "1" == env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"]
    assert "1" == env["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"]
    assert "PLAINTEXT://kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"]
    assert "kafka-broker-api-versions.sh" in " ".join(kafka["healthcheck"]["test"])

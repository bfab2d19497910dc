"""Under compose, webhooks land in the demo inbox: its service, and the config aimed at it."""

from typing import Any

import pytest

from .files import PORTS, REPO, SERVICES, load_yaml

DEMO_CONFIG = REPO / "shared/src/escalations/data/demo.yaml"
COMPOSE_CONFIG = REPO / "deploy/compose/config.yaml"
# Where the demo sends webhooks when run on the host, and where compose must send them.
HOST_INBOX = "http://127.0.0.1:8083/"
COMPOSE_INBOX = f"http://inbox:{PORTS['inbox']}/"
HOST_INBOX_PATTERN = HOST_INBOX.replace(".", "\\.")
REGENERATE = (
    f"sed 's#{HOST_INBOX_PATTERN}#{COMPOSE_INBOX}#g' "
    f"{DEMO_CONFIG.relative_to(REPO)} > {COMPOSE_CONFIG.relative_to(REPO)}"
)


def inbox(compose: dict[str, Any]) -> dict[str, Any]:
    """Return the compose service of the demo inbox."""
    return compose["services"]["inbox"]  # type: ignore[no-any-return]


def option(command: list[str], name: str) -> str:
    """Return the value following a command-line option, failing when it is absent."""
    assert name in command, f"inbox command lacks {name}: {command}"
    return command[command.index(name) + 1]


def test_compose_config_is_the_demo_aimed_at_the_inbox() -> None:
    """deploy/compose/config.yaml is demo.yaml with only the inbox address changed."""
    expected = DEMO_CONFIG.read_text().replace(HOST_INBOX, COMPOSE_INBOX)
    assert expected == COMPOSE_CONFIG.read_text(), (
        f"deploy/compose/config.yaml is out of date with demo.yaml; regenerate it: {REGENERATE}"
    )


def test_every_demo_webhook_reaches_the_inbox_container() -> None:
    """Each person's webhook in the compose config is an /inbox/<person> URL on `inbox`."""
    people = load_yaml(COMPOSE_CONFIG)["people"]
    expected = {p["id"]: f"{COMPOSE_INBOX}inbox/{p['id']}" for p in people}
    assert expected == {p["id"]: p["contacts"].get("webhook") for p in people}


@pytest.mark.parametrize("name", SERVICES)
def test_services_read_the_compose_config(compose: dict[str, Any], name: str) -> None:
    """Each service mounts deploy/compose/config.yaml where ESCALATIONS_CONFIG points."""
    service = compose["services"][name]
    mount = f"./{COMPOSE_CONFIG.relative_to(REPO)}:{service['environment']['ESCALATIONS_CONFIG']}"
    assert [mount] == [v.removesuffix(":ro") for v in service["volumes"] if v.startswith("./")]


def test_inbox_runs_the_demo_inbox_from_the_notifier_build(compose: dict[str, Any]) -> None:
    """The inbox is the notifier image running `escalations.demo_inbox` on all interfaces."""
    service = inbox(compose)
    command = service["command"]
    assert {"context": ".", "target": "notifier"} == service["build"]
    assert ["python", "-m", "escalations.demo_inbox"] == command[:3]
    assert "0.0.0.0" == option(command, "--host")  # noqa: S104 -- reachable from other containers
    assert str(PORTS["inbox"]) == option(command, "--port")
    assert option(command, "--store").startswith("/tmp/")  # noqa: S108 -- the image's writable dir


def test_inbox_is_healthchecked_on_its_port(compose: dict[str, Any]) -> None:
    """Compose probes the inbox's /healthz with Python, as it does the services."""
    test = inbox(compose)["healthcheck"]["test"]
    assert ["CMD", "python", "-c"] == test[:3]
    assert f"http://127.0.0.1:{PORTS['inbox']}/healthz" in test[3]


def test_inbox_verifies_with_the_notifier_secret(compose: dict[str, Any]) -> None:
    """The inbox gets only the webhook secret, with the same value and default as the notifier."""
    notifier = compose["services"]["notifier"]["environment"]
    expected = {"NOTIFIER_WEBHOOK_SECRET": notifier["NOTIFIER_WEBHOOK_SECRET"]}
    assert expected == inbox(compose)["environment"]


def test_notifier_waits_for_a_healthy_inbox(compose: dict[str, Any]) -> None:
    """The notifier starts delivering only once the inbox accepts webhooks."""
    depends = compose["services"]["notifier"]["depends_on"]
    assert {"condition": "service_healthy"} == depends.get("inbox")

"""The notifier reloads its configuration on SIGHUP and on a file change; a bad file is refused."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from devstack.stack import Stack
from escalations.core.escalation import Tier
from tests.support import wait_for as wait_until

from .harness import (
    ROUTING,
    WEBHOOK_SECRET,
    NotifierUnderTest,
    assigned,
    notifier,
    person,
    produce,
    team,
)
from .receivers import HttpReceiver

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def receiver() -> Iterator[HttpReceiver]:
    """One HTTP receiver for the old and the new addresses."""
    http = HttpReceiver(WEBHOOK_SECRET.encode()).start()
    try:
        yield http
    finally:
        http.stop()


def _config(http: HttpReceiver, hook: str) -> dict[str, Any]:
    return {
        "people": [person("r-ana", contacts={"webhook": http.url(hook)})],
        "teams": [team("desk", "r-ana", ["r-ana"])],
    }


def _write(under_test: NotifierUnderTest, text: str) -> None:
    (under_test.folder / "config.yaml").write_text(text)


def _deliver(stack: Stack, http: HttpReceiver, hook: str) -> None:
    """Produce a P1 assignment for r-ana and wait until ``hook`` receives it."""
    payload = assigned("r-ana", tier=Tier.P1)
    produce(stack, payload)
    wait_until(
        lambda: [r for r in http.received(hook) if payload.escalation.id in r.body.decode()],
        what=f"the delivery to {hook}",
    )


def _sample(under_test: NotifierUnderTest, name: str) -> float:
    line = next(x for x in under_test.metrics().splitlines() if x.startswith(name + " "))
    return float(line.rsplit(" ", 1)[1])


def _readiness(under_test: NotifierUnderTest) -> dict[str, Any]:
    url = f"http://127.0.0.1:{under_test.http_port}/readyz"
    answer: dict[str, Any] = httpx.get(url, timeout=5).json()
    return answer


def test_sighup_reloads_and_a_bad_file_is_refused(
    stack: Stack, tmp_path: Path, receiver: HttpReceiver
) -> None:
    """SIGHUP moves the next delivery to the new address; a bad file is refused and logged."""
    env = {"NOTIFIER_CONFIG_POLL_SECONDS": "300"}  # only the signal can cause a reload here
    with notifier(stack, tmp_path, "reload-hup", _config(receiver, "/hook/old"), env) as n:
        _deliver(stack, receiver, "/hook/old")
        _write(n, yaml.safe_dump({**_config(receiver, "/hook/new"), "routing": ROUTING}))
        assert n.proc is not None
        n.proc.popen.send_signal(signal.SIGHUP)
        wait_until(lambda: "configuration reloaded" in n.log(), what="the reload")
        _deliver(stack, receiver, "/hook/new")
        assert "applied" == _readiness(n)["config"]["last_reload"]

        _write(n, "people: [{id: r-ana, name: Ana, timezone: Mars/Olympus}]\nteams: [")
        n.proc.popen.send_signal(signal.SIGHUP)
        wait_until(lambda: "configuration reload refused" in n.log(), what="the refusal")
        assert "YAML syntax error" in n.log()
        _deliver(stack, receiver, "/hook/new")  # the running configuration stays
        ready = _readiness(n)
        assert ("ready", "refused") == (ready["status"], ready["config"]["last_reload"])
        assert "YAML syntax error" in ready["config"]["error"]
        assert 1.0 == _sample(n, 'notifier_config_reloads_total{outcome="applied"}')
        assert 1.0 == _sample(n, 'notifier_config_reloads_total{outcome="refused"}')
        assert 0.0 == _sample(n, "notifier_config_last_reload_successful")


def test_a_changed_file_is_picked_up_without_a_signal(
    stack: Stack, tmp_path: Path, receiver: HttpReceiver
) -> None:
    """Editing the file is enough: the poll sees it and the next delivery uses the new address."""
    env = {"NOTIFIER_CONFIG_POLL_SECONDS": "0.2"}
    with notifier(stack, tmp_path, "reload-poll", _config(receiver, "/hook/poll-old"), env) as n:
        _deliver(stack, receiver, "/hook/poll-old")
        bad = _config(receiver, "/hook/poll-bad")
        bad["people"][0]["contacts"]["webhook"] = "ftp://example.com/x"
        _write(n, yaml.safe_dump({**bad, "routing": ROUTING}))
        wait_until(lambda: "configuration reload refused" in n.log(), what="the refusal")
        _deliver(stack, receiver, "/hook/poll-old")
        _write(n, yaml.safe_dump({**_config(receiver, "/hook/poll-new"), "routing": ROUTING}))
        wait_until(lambda: "configuration reloaded" in n.log(), what="the reload")
        _deliver(stack, receiver, "/hook/poll-new")
        assert 1.0 == _sample(n, "notifier_config_last_reload_successful")
        assert "applied" == _readiness(n)["config"]["last_reload"]

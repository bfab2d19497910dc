"""Alertmanager groups through the real intake and Kafka: each alert stands alone.

Alertmanager never retries a 4xx, so one bad alert must not cost its group: over-long
text is clipped, an invalid alert is refused in the answer, the others are published.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

import httpx
import pytest

from escalations.core.escalation import SourceKind
from escalations_intake.auth.api_keys import Scope
from escalations_intake.openapi.samples import ALERTMANAGER_SAMPLE
from tests.e2e.intake.conftest import Intake
from tests.e2e.intake.helpers import problem

pytestmark = pytest.mark.e2e
PATH = "/v1/integrations/alertmanager"
MONITORING = frozenset({Scope.WRITE, Scope.ACT})


def _alert(fingerprint: str, **changes: Any) -> dict[str, Any]:
    alert = copy.deepcopy(ALERTMANAGER_SAMPLE["alerts"][0])
    alert["fingerprint"] = fingerprint
    alert.update(changes)
    return alert


def _group(*alerts: dict[str, Any]) -> dict[str, Any]:
    return {**copy.deepcopy(ALERTMANAGER_SAMPLE), "alerts": list(alerts)}


def _source_key(intake: Intake, scopes: frozenset[Scope] = MONITORING) -> str:
    return intake.key(f"am-{uuid.uuid4().hex[:8]}", SourceKind.MONITORING, scopes)


def _received(intake: Intake, ids: set[str]) -> dict[str, dict[str, Any]]:
    """Return the published requests of these escalations, by id."""
    return {
        e["subject"]: e["data"]["request"]
        for e in intake.events()
        if e["subject"] in ids and e["type"] == "escalation.received"
    }


def test_one_oversized_and_one_invalid_alert_do_not_cost_the_group(intake: Intake) -> None:
    """A 12,000-character annotation is clipped, a bad label refuses one alert, the rest go."""
    run = uuid.uuid4().hex[:8]
    huge = _alert(
        f"{run}-huge",
        annotations={
            "summary": "<img src=x onerror=alert(1)> disk\x00 full\x1b[2J",
            "description": "d" * 12_000,
        },
    )
    bad = _alert(f"{run}-bad", labels={"alertname": "X", "severity": 3})
    fine = _alert(f"{run}-fine")
    with intake.client(_source_key(intake)) as client:
        response = client.post(PATH, json=_group(huge, bad, fine))
    assert 202 == response.status_code, response.text
    answer = response.json()
    assert "partial" == answer["status"]
    assert ["created", "refused", "created"] == [a["action"] for a in answer["alerts"]]
    refused = answer["alerts"][1]
    assert (f"{run}-bad", "alerts.1.labels.severity: Input should be a valid string") == (
        refused["fingerprint"],
        refused["detail"],
    )
    assert "id" not in refused
    ids = {answer["alerts"][0]["id"], answer["alerts"][2]["id"]}
    published = _received(intake, ids)
    assert ids == set(published)
    clipped = published[answer["alerts"][0]["id"]]
    assert "<img src=x onerror=alert(1)> disk\ufffd full\ufffd[2J" == clipped["title"]
    assert "d" * 9_000 in clipped["description"]
    assert "[clipped from 12,000 characters]\n\nlabels:" in clipped["description"]


def test_a_group_of_hundreds_of_alerts_is_accepted(intake: Intake) -> None:
    """Four hundred alerts (over 256 KiB, under the webhook's 4 MiB) all become escalations."""
    run = uuid.uuid4().hex[:8]
    alerts = [
        _alert(f"{run}-{i}", annotations={"summary": f"alert {i}", "description": "x" * 600})
        for i in range(400)
    ]
    body = _group(*alerts)
    assert 256 * 1024 < len(httpx.Request("POST", "/", json=body).content)
    with intake.client(_source_key(intake)) as client:
        response = client.post(PATH, json=body)
    assert 202 == response.status_code, response.text
    answer = response.json()
    assert ("success", {"created"}) == (answer["status"], {a["action"] for a in answer["alerts"]})
    ids = {a["id"] for a in answer["alerts"]}
    assert 400 == len(_received(intake, ids))


def test_a_group_over_the_webhook_limit_is_413_naming_max_alerts(intake: Intake) -> None:
    """A body over 4 MiB is refused whole (413), and the problem says to lower max_alerts."""
    run = uuid.uuid4().hex[:8]
    alerts = [_alert(f"{run}-{i}", annotations={"description": "y" * 9_000}) for i in range(480)]
    with intake.client(_source_key(intake)) as client:
        got = problem(client.post(PATH, json=_group(*alerts)), 413)
    assert "request body exceeds 4096 KiB; lower max_alerts" in got["detail"]


def test_a_group_with_no_acceptable_alert_is_422_listing_each(intake: Intake) -> None:
    """When every alert is invalid the group is 422, and the problem lists each alert's reason."""
    no_time = _alert("aa11", startsAt=1_700_000_000)
    no_print = {k: v for k, v in ALERTMANAGER_SAMPLE["alerts"][0].items() if k != "fingerprint"}
    with intake.client(_source_key(intake)) as client:
        got = problem(client.post(PATH, json=_group(no_time, no_print)), 422)
    assert [("aa11", "refused"), (None, "refused")] == [
        (a.get("fingerprint"), a["action"]) for a in got["alerts"]
    ]
    assert "alerts.0.startsAt" in got["detail"]
    assert "alerts.1.fingerprint: Field required" in got["detail"]


def test_resolved_alerts_without_the_act_scope_are_refused_alone(intake: Intake) -> None:
    """A write-only key: the firing alert is created, the resolved one refused naming the scope."""
    run = uuid.uuid4().hex[:8]
    resolved = _alert(f"{run}-r", status="resolved", endsAt="2026-11-25T09:30:00Z")
    key = _source_key(intake, frozenset({Scope.WRITE}))
    with intake.client(key) as client:
        response = client.post(PATH, json=_group(_alert(f"{run}-f"), resolved))
    assert 202 == response.status_code, response.text
    firing, refused = response.json()["alerts"]
    assert ("created", "refused") == (firing["action"], refused["action"])
    assert "lacks scope 'escalations:act'" in refused["detail"]


def test_an_invalid_group_field_still_refuses_the_group(intake: Intake) -> None:
    """The group's own fields are checked as a whole: another version is 422 naming it."""
    with intake.client(_source_key(intake)) as client:
        got = problem(client.post(PATH, json={**_group(_alert("bb22")), "version": "3"}), 422)
    assert got["detail"].startswith("version:")

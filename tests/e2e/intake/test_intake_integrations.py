"""Alertmanager (webhook v4) and PagerDuty Events v2 payloads as their documentation shows."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import httpx
import pytest

from escalations.contracts.ids import escalation_id
from escalations.core.escalation import SourceKind
from escalations_intake.auth.api_keys import Scope
from escalations_intake.openapi.samples import ALERTMANAGER_SAMPLE, PAGERDUTY_SAMPLE
from tests.e2e.intake.conftest import Intake
from tests.e2e.intake.helpers import problem

pytestmark = pytest.mark.e2e
MONITORING = frozenset({Scope.WRITE, Scope.ACT})


def _alert_group(fingerprint: str, status: str = "firing") -> dict[str, Any]:
    group = copy.deepcopy(ALERTMANAGER_SAMPLE)
    group["status"] = group["alerts"][0]["status"] = status
    group["alerts"][0]["fingerprint"] = fingerprint
    if status == "resolved":
        group["alerts"][0]["endsAt"] = "2026-11-25T09:30:00Z"
    return group


def test_alertmanager_firing_alert_becomes_an_escalation(intake: Intake) -> None:
    """A firing alert is published with its fingerprint as external_id and mapped labels."""
    source = f"am-{uuid.uuid4().hex[:6]}"
    key = intake.key(source, SourceKind.MONITORING, MONITORING)
    fingerprint = uuid.uuid4().hex[:16]
    with intake.client(key) as client:
        response = client.post("/v1/integrations/alertmanager", json=_alert_group(fingerprint))
    assert 202 == response.status_code, response.text
    esc_id = escalation_id(source, fingerprint)
    expected = {"fingerprint": fingerprint, "id": esc_id, "action": "created"}
    assert {"status": "success", "alerts": [expected]} == response.json()
    (event,) = intake.events(esc_id)
    request = event["data"]["request"]
    assert (fingerprint, "child_safety", "IE", "monitoring") == (
        request["external_id"],
        request["policy_area"],
        request["region"],
        event["data"]["source_kind"],
    )
    assert "Spike in known-CSAM hash matches on uploads" == request["title"]
    assert "2026-11-25T09:08:45.828000Z" == request["occurred_at"]


def test_alertmanager_repeats_are_not_published_again(intake: Intake) -> None:
    """Alertmanager re-sends firing alerts; an accepted one is answered duplicate, not re-sent."""
    key = intake.key(f"am-{uuid.uuid4().hex[:6]}", SourceKind.MONITORING, MONITORING)
    group = _alert_group(uuid.uuid4().hex[:16])
    with intake.client(key) as client:
        client.post("/v1/integrations/alertmanager", json=group)
        again = client.post("/v1/integrations/alertmanager", json=group).json()
    assert "duplicate" == again["alerts"][0]["action"]
    assert 1 == len(intake.events(again["alerts"][0]["id"]))


def test_alertmanager_resolved_alert_requests_resolve_by_the_integration(intake: Intake) -> None:
    """A resolved alert publishes resolve_requested by the system actor system:<source>."""
    source = f"am-{uuid.uuid4().hex[:6]}"
    key = intake.key(source, SourceKind.MONITORING, MONITORING)
    fingerprint = uuid.uuid4().hex[:16]
    with intake.client(key) as client:
        client.post("/v1/integrations/alertmanager", json=_alert_group(fingerprint))
        resolved = client.post(
            "/v1/integrations/alertmanager", json=_alert_group(fingerprint, "resolved")
        )
    assert "resolve_requested" == resolved.json()["alerts"][0]["action"]
    received, resolve = intake.events(escalation_id(source, fingerprint))
    assert ("escalation.received", "escalation.resolve_requested") == (
        received["type"],
        resolve["type"],
    )
    assert (f"system:{source}", "actioned") == (
        resolve["data"]["by"],
        resolve["data"]["resolution"],
    )


def test_alertmanager_resolved_needs_the_act_scope(intake: Intake) -> None:
    """A write-only key may fire alerts but not resolve them: 403 naming the scope."""
    key = intake.key("am-write-only", SourceKind.MONITORING, frozenset({Scope.WRITE}))
    with intake.client(key) as client:
        got = problem(
            client.post("/v1/integrations/alertmanager", json=_alert_group("ff00", "resolved")), 403
        )
    assert "escalations:act" in got["detail"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"version": "3"}, "version"),
        ({"alerts": [{"status": "firing"}]}, "alerts.0.labels: Field required"),
        ({"status": "pending"}, "status"),
    ],
)
def test_alertmanager_rejects_other_payloads(
    intake: Intake, change: dict[str, Any], field: str
) -> None:
    """Only version 4 with complete alerts is accepted; the problem names the field."""
    with intake.client() as client:
        got = problem(
            client.post("/v1/integrations/alertmanager", json={**ALERTMANAGER_SAMPLE, **change}),
            422,
        )
    assert field in got["detail"]


def _pd(key: str, **changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(PAGERDUTY_SAMPLE), "routing_key": key, **changes}


def test_pagerduty_trigger_with_routing_key_answers_like_pagerduty(intake: Intake) -> None:
    """The documented trigger, with an API key as routing_key, answers 202 as PagerDuty does."""
    source = f"pd-{uuid.uuid4().hex[:6]}"
    key = intake.key(source, SourceKind.MONITORING, MONITORING)
    dedup = f"pd-{uuid.uuid4()}"
    response = httpx.post(
        f"{intake.base_url}/v1/integrations/pagerduty", json=_pd(key, dedup_key=dedup)
    )
    assert 202 == response.status_code, response.text
    assert {
        "status": "success",
        "message": "Event processed",
        "dedup_key": dedup,
        "id": escalation_id(source, dedup),
    } == response.json()
    (event,) = intake.events(escalation_id(source, dedup))
    request = event["data"]["request"]
    assert ("Example alert on host1.example.com", dedup) == (
        request["title"],
        request["external_id"],
    )
    assert "Example Monitoring Client" == request["reporter"]["name"]
    assert [{"kind": "link", "id": "Link text", "url": "https://example.com/"}] == request[
        "content_refs"
    ]


def test_pagerduty_trigger_without_dedup_key_gets_one(intake: Intake) -> None:
    """A trigger without dedup_key is given one, which acknowledge can then use."""
    key = intake.key(f"pd-{uuid.uuid4().hex[:6]}", SourceKind.MONITORING, MONITORING)
    body = _pd(key)
    del body["dedup_key"]
    answer = httpx.post(f"{intake.base_url}/v1/integrations/pagerduty", json=body).json()
    ack = httpx.post(
        f"{intake.base_url}/v1/integrations/pagerduty",
        json={"routing_key": key, "event_action": "acknowledge", "dedup_key": answer["dedup_key"]},
    )
    assert (202, answer["dedup_key"]) == (ack.status_code, ack.json()["dedup_key"])


@pytest.mark.parametrize(
    ("action", "published"),
    [
        ("acknowledge", "escalation.acknowledge_requested"),
        ("resolve", "escalation.resolve_requested"),
    ],
)
def test_pagerduty_acknowledge_and_resolve_become_commands(
    intake: Intake, action: str, published: str
) -> None:
    """acknowledge and resolve are commands by system:<source> on the same escalation."""
    source = f"pd-{uuid.uuid4().hex[:6]}"
    key = intake.key(source, SourceKind.MONITORING, MONITORING)
    dedup = f"pd-{uuid.uuid4()}"
    url = f"{intake.base_url}/v1/integrations/pagerduty"
    httpx.post(url, json=_pd(key, dedup_key=dedup))
    response = httpx.post(
        url, json={"routing_key": key, "event_action": action, "dedup_key": dedup}
    )
    assert 202 == response.status_code, response.text
    _, command = intake.events(escalation_id(source, dedup))
    assert (published, f"system:{source}") == (command["type"], command["data"]["by"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"event_action": "trigger"}, "payload: required for a trigger event"),
        ({"event_action": "resolve"}, "dedup_key: required for an resolve event"),
        ({"event_action": "explode", "dedup_key": "x"}, "event_action"),
    ],
)
def test_pagerduty_invalid_events_are_400_like_pagerduty(
    intake: Intake, body: dict[str, Any], field: str
) -> None:
    """Invalid events are 400 with PagerDuty's status and message; an error names the field."""
    response = httpx.post(
        f"{intake.base_url}/v1/integrations/pagerduty",
        json={"routing_key": intake.admin_key, **body},
    )
    got = response.json()
    assert (400, "invalid event", "Event object is invalid") == (
        response.status_code,
        got["status"],
        got["message"],
    )
    assert field in " ".join(got["errors"])


def test_pagerduty_unknown_routing_key_is_401(intake: Intake) -> None:
    """A routing key that is no API key is refused."""
    response = httpx.post(f"{intake.base_url}/v1/integrations/pagerduty", json=_pd("samplekeyhere"))
    assert (401, "unauthorized") == (response.status_code, response.json()["status"])

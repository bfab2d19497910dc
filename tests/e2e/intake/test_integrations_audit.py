"""The integrations' acknowledge and resolve commands in the audit log: one entry each.

A resolved Alertmanager alert is audited once per firing episode, however often its group
is delivered; a refused alert leaves nothing; each accepted PagerDuty acknowledge or
resolve leaves one entry (docs/contract/audit.md, "Actions recorded").
"""

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

pytestmark = pytest.mark.e2e
MONITORING = frozenset({Scope.WRITE, Scope.ACT})
AGENT = {"User-Agent": "Alertmanager/0.27.0"}


def _entries(intake: Intake, **params: str) -> list[dict[str, Any]]:
    with intake.client() as client:
        response = client.get("/v1/audit", params={"limit": "500", **params})
    assert 200 == response.status_code, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _alert(fingerprint: str, status: str, starts_at: str) -> dict[str, Any]:
    alert: dict[str, Any] = copy.deepcopy(ALERTMANAGER_SAMPLE["alerts"][0])
    alert.update(status=status, fingerprint=fingerprint, startsAt=starts_at)
    if status == "resolved":
        alert["endsAt"] = "2026-11-25T09:30:00Z"
    return alert


def _group(*alerts: dict[str, Any]) -> dict[str, Any]:
    status = "resolved" if all(a["status"] == "resolved" for a in alerts) else "firing"
    return {**copy.deepcopy(ALERTMANAGER_SAMPLE), "status": status, "alerts": list(alerts)}


def test_a_resolved_alert_is_audited_once_however_often_its_group_comes(intake: Intake) -> None:
    """Delivered three times: one resolve published, one entry; the refused alert: none."""
    source = f"am-{uuid.uuid4().hex[:6]}"
    key = intake.key(source, SourceKind.MONITORING, MONITORING)
    fingerprint, started = uuid.uuid4().hex[:16], "2026-11-25T09:08:45.828Z"
    broken = {**_alert("bad0", "resolved", started), "labels": {"severity": 7}}
    url = "/v1/integrations/alertmanager"
    firing = _group(_alert(fingerprint, "firing", started))
    resolved = _group(_alert(fingerprint, "resolved", started), broken)
    with intake.client(key) as client:
        assert 202 == client.post(url, json=firing).status_code
        answers = [client.post(url, json=resolved, headers=AGENT) for _ in range(3)]
    esc_id = escalation_id(source, fingerprint)
    for answer in answers:
        assert 202 == answer.status_code, answer.text
        assert ["resolve_requested", "refused"] == [a["action"] for a in answer.json()["alerts"]]
        assert esc_id == answer.json()["alerts"][0]["id"]
    types = [event["type"] for event in intake.events(esc_id)]
    assert ["escalation.received", "escalation.resolve_requested"] == types
    (entry,) = _entries(intake, subject_id=esc_id)
    assert (f"system:{source}", "escalation.resolve", "escalation") == (
        entry["actor"],
        entry["action"],
        entry["subject_kind"],
    )
    expected = {"via": "alertmanager", "by": f"system:{source}", "resolution": "actioned"}
    assert expected == entry["detail"]
    assert ("127.0.0.1", "Alertmanager/0.27.0") == (entry["client_address"], entry["user_agent"])
    assert [] == _entries(intake, actor=f"system:{source}", action="escalation.acknowledge")


def test_a_new_firing_episode_resolves_again(intake: Intake) -> None:
    """The same fingerprint firing again from a later ``startsAt`` is a new resolve: two entries."""
    source = f"am-{uuid.uuid4().hex[:6]}"
    key = intake.key(source, SourceKind.MONITORING, MONITORING)
    fingerprint = uuid.uuid4().hex[:16]
    url = "/v1/integrations/alertmanager"
    with intake.client(key) as client:
        for started in ("2026-11-25T09:00:00Z", "2026-11-25T10:00:00Z"):
            answer = client.post(url, json=_group(_alert(fingerprint, "resolved", started)))
            assert 202 == answer.status_code, answer.text
    found = _entries(intake, actor=f"system:{source}", action="escalation.resolve")
    assert 2 == len(found)


@pytest.mark.parametrize("action", ["acknowledge", "resolve"])
def test_each_pagerduty_command_is_audited_once(intake: Intake, action: str) -> None:
    """An accepted acknowledge or resolve event: one entry by system:<source>, via pagerduty."""
    source = f"pd-{uuid.uuid4().hex[:6]}"
    key = intake.key(source, SourceKind.MONITORING, MONITORING)
    dedup = f"pd-{uuid.uuid4()}"
    url = f"{intake.base_url}/v2/enqueue"
    trigger = {**copy.deepcopy(PAGERDUTY_SAMPLE), "routing_key": key, "dedup_key": dedup}
    assert 202 == httpx.post(url, json=trigger).status_code
    command = {"routing_key": key, "event_action": action, "dedup_key": dedup}
    answer = httpx.post(url, json=command, headers={"User-Agent": "pdpyras/5"})
    assert 202 == answer.status_code, answer.text
    esc_id = escalation_id(source, dedup)
    (entry,) = _entries(intake, subject_id=esc_id)
    detail = {"via": "pagerduty", "by": f"system:{source}"}
    if action == "resolve":
        detail["resolution"] = "actioned"
    assert (f"system:{source}", f"escalation.{action}", detail, "pdpyras/5") == (
        entry["actor"],
        entry["action"],
        entry["detail"],
        entry["user_agent"],
    )


def test_a_refused_pagerduty_command_leaves_no_entry(intake: Intake) -> None:
    """A key without ``escalations:act`` is refused (403): nothing published, nothing audited."""
    source = f"pd-{uuid.uuid4().hex[:6]}"
    key = intake.key(source, SourceKind.MONITORING, frozenset({Scope.WRITE}))
    dedup = f"pd-{uuid.uuid4()}"
    command = {"routing_key": key, "event_action": "resolve", "dedup_key": dedup}
    assert 403 == httpx.post(f"{intake.base_url}/v2/enqueue", json=command).status_code
    assert [] == _entries(intake, actor=f"system:{source}")

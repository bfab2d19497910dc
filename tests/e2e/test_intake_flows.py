"""Intake features end to end with the router: integrations close what they opened, and
schedule commands change who is on call."""

from __future__ import annotations

import asyncio
import copy
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from escalations.contracts.ids import escalation_id
from escalations.core.escalation import SourceKind
from escalations_intake.auth.api_keys import Scope
from escalations_intake.openapi.samples import ALERTMANAGER_SAMPLE, PAGERDUTY_SAMPLE
from tests.e2e.conftest import Live, wait_for
from tests.e2e.intake.helpers import create_key

pytestmark = pytest.mark.e2e
MONITORING = frozenset({Scope.WRITE, Scope.ACT, Scope.READ})


def _key(live: Live, source: str, kind: SourceKind, scopes: frozenset[Scope]) -> str:
    assert live.stack.database_url is not None
    return asyncio.run(create_key(live.stack.database_url, source, kind, scopes))


def _state(live: Live, key: str, esc_id: str) -> dict[str, Any] | None:
    with live.client(key) as client:
        response = client.get(f"/v1/escalations/{esc_id}")
    return response.json() if response.status_code == 200 else None


def _alert(fingerprint: str, status: str) -> dict[str, Any]:
    group = copy.deepcopy(ALERTMANAGER_SAMPLE)
    group["status"] = group["alerts"][0]["status"] = status
    group["alerts"][0]["fingerprint"] = fingerprint
    return group


def test_alertmanager_resolved_alert_resolves_its_escalation(live: Live) -> None:
    """Firing creates the escalation; resolved resolves it, by the integration's actor."""
    source = f"am-{uuid.uuid4().hex[:6]}"
    key = _key(live, source, SourceKind.MONITORING, MONITORING)
    fingerprint = uuid.uuid4().hex[:16]
    with live.client(key) as client:
        fired = client.post("/v1/integrations/alertmanager", json=_alert(fingerprint, "firing"))
        esc_id = fired.json()["alerts"][0]["id"]
        wait_for(lambda: _state(live, key, esc_id), what="the alert's escalation stored")
        client.post("/v1/integrations/alertmanager", json=_alert(fingerprint, "resolved"))
    state = wait_for(
        lambda: (s := _state(live, key, esc_id)) and s["status"] == "resolved" and s,
        what="the escalation resolved",
    )
    assert ("child_safety", f"system:{source}") == (
        state["policy_area"],
        state["history"][-1]["actor"],
    )


def test_pagerduty_acknowledge_acknowledges(live: Live) -> None:
    """A PagerDuty trigger then acknowledge with the same dedup_key acknowledges it."""
    source = f"pd-{uuid.uuid4().hex[:6]}"
    key = _key(live, source, SourceKind.MONITORING, MONITORING)
    dedup = f"pd-{uuid.uuid4()}"
    url = f"{live.base_url}/v1/integrations/pagerduty"
    httpx.post(url, json={**PAGERDUTY_SAMPLE, "routing_key": key, "dedup_key": dedup})
    ack = {"routing_key": key, "event_action": "acknowledge", "dedup_key": dedup}
    assert 202 == httpx.post(url, json=ack).status_code
    esc_id = escalation_id(source, dedup)
    state = wait_for(
        lambda: (s := _state(live, key, esc_id)) and s["status"] == "acknowledged" and s,
        what="the escalation acknowledged",
    )
    assert f"system:{source}" == state["history"][-1]["actor"]


def test_override_changes_who_is_on_call(live: Live) -> None:
    """An override posted to the API is stored by the router and shown by /v1/oncall."""
    start = (datetime.now(UTC) + timedelta(days=400)).replace(microsecond=0)
    body = {
        "person": "yusuf",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=6)).isoformat(),
    }
    at = (start + timedelta(hours=1)).isoformat()
    with live.client() as client:
        assert 202 == client.post("/v1/teams/child-safety/overrides", json=body).status_code

        def level_one() -> list[tuple[str, str]]:
            answer = client.get("/v1/oncall", params={"team": "child-safety", "at": at}).json()
            return [(p["person"], p["layer"]) for p in answer["levels"][0]["people"]]

        assert [("yusuf", "override")] == wait_for(
            lambda: (got := level_one()) == [("yusuf", "override")] and got,
            what="the override in force",
        )


def test_acknowledge_link_from_a_notification_acknowledges(live: Live) -> None:
    """The owner's notification carries a signed link; its page and button acknowledge."""
    body = {
        "external_id": f"LINK-{uuid.uuid4()}",
        "title": "Credible threat naming a school",
        "policy_area": "violent_threat",
        "region": "IE",
        "signals": {"imminence": "imminent_specific"},
    }
    with live.client() as client:
        esc_id = client.post("/v1/escalations", json=body).json()["id"]

    def link() -> str | None:
        for note in live.notifications():
            payload = note["payload"]
            if payload.get("escalation", {}).get("id") == esc_id and payload["links"].get(
                "acknowledge"
            ):
                return str(payload["links"]["acknowledge"])
        return None

    url = wait_for(link, what="a notification with an acknowledge link")
    page = httpx.get(url)
    assert (200, True) == (page.status_code, "<form" in page.text)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert 202 == httpx.post(url, headers=form).status_code
    state = wait_for(
        lambda: (s := _state(live, live.admin_key, esc_id)) and s["status"] == "acknowledged" and s,
        what="the escalation acknowledged through the link",
    )
    assert state["owner"] == state["history"][-1]["actor"]

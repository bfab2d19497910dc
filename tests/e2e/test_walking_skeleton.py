"""An escalation travels intake -> Kafka -> router -> Postgres -> Kafka -> notifier -> inbox."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from tests.e2e.conftest import Live, wait_for
from tests.support import person_token

pytestmark = pytest.mark.e2e
# The responders of ts-dublin in the demo configuration (its leads left out).
TS_DUBLIN = ("ciaran", "niamh", "orla", "darragh", "saoirse", "eoin", "maria", "jamal", "kenji")


def _threat(external_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "title": "Credible threat naming a school and a time",
        "description": "User posted a threat against a named school for Friday 9am",
        "policy_area": "violent_threat",
        "region": "IE",
        "language": "en",
        "signals": {"imminence": "imminent_specific"},
        "content_refs": [{"kind": "pin", "id": "111", "url": "https://example.com/pin/111"}],
        **extra,
    }


def _state(live: Live, esc_id: str) -> dict[str, Any] | None:
    with live.client() as client:
        response = client.get(f"/v1/escalations/{esc_id}")
    return response.json() if response.status_code == 200 else None


def _notes_for(live: Live, esc_id: str) -> list[dict[str, Any]]:
    return [
        n for n in live.notifications() if n["payload"].get("escalation", {}).get("id") == esc_id
    ]


def test_posted_escalation_is_stored_assigned_and_delivered(live: Live) -> None:
    """A P0 threat is visible via GET within a second, assigned, and its owner is notified."""
    external_id = f"E2E-{uuid.uuid4()}"
    with live.client() as client:
        response = client.post("/v1/escalations", json=_threat(external_id))
    accepted_at = time.monotonic()
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert {k: accepted[k] for k in ("status", "duplicate")} == {
        "status": "received",
        "duplicate": False,
    }
    # A 404 is acceptable only for < 1 s after the 202 (docs/contract/http-api.md, "The
    # escalation's state"). Each probe is timed from when it was sent, so the test's own
    # polling and connection set-up do not count.
    missed: list[float] = []

    def probe() -> dict[str, Any] | None:
        sent = time.monotonic() - accepted_at
        found = _state(live, accepted["id"])
        if found is None:
            missed.append(sent)
        return found

    state = wait_for(probe, timeout=5, what="the stored escalation")
    last_miss = max(missed, default=0.0)
    assert last_miss < 1.0, f"GET still answered 404 {last_miss:.2f} s after the 202"
    assert state["status"] == "assigned"
    assert state["priority"]["tier"] == "P0"
    assert state["owner"] is not None
    assert state["team"] == "ts-dublin"
    assert state["assignment"]["candidates"], "the decision record lists the candidates"
    assert [h["action"] for h in state["history"]] == ["received", "assigned"]

    notes = wait_for(lambda: _notes_for(live, accepted["id"]), what="the owner's notification")
    assert len(notes) == 1
    note = notes[0]
    assert state["owner"] == note["person"]
    assert note["payload"]["event"] == "escalation.assigned"
    assert note["payload"]["links"]["view"].endswith(f"/v1/escalations/{accepted['id']}")


def test_repeat_report_merges_into_the_same_escalation(live: Live) -> None:
    """Posting the same external id again answers the same id as a duplicate and counts a report."""
    body = _threat(f"E2E-{uuid.uuid4()}")
    with live.client() as client:
        first = client.post("/v1/escalations", json=body).json()
        wait_for(lambda: _state(live, first["id"]), what="the first report stored")
        # Another body: the same body again would be a client's retry, not a second report.
        second = client.post("/v1/escalations", json={**body, "description": "again"}).json()
    assert (first["id"], True) == (second["id"], second["duplicate"])
    merged = wait_for(
        lambda: (s := _state(live, first["id"])) and s["reports"] == 2 and s,
        what="the duplicate merged",
    )
    assert merged["history"][-1]["action"] == "duplicate_merged"


def test_acknowledge_then_resolve(live: Live) -> None:
    """The owner acknowledges and resolves with their own token; the history names them."""
    with live.client() as client:
        esc_id = client.post("/v1/escalations", json=_threat(f"E2E-{uuid.uuid4()}")).json()["id"]
    owner = wait_for(lambda: _state(live, esc_id), what="assignment")["owner"]
    with live.client(person_token(live.base_url, live.admin_key, owner)) as as_owner:
        ack = as_owner.post(f"/v1/escalations/{esc_id}/acknowledge", json={})
        assert ack.status_code == 202, ack.text
        wait_for(
            lambda: (s := _state(live, esc_id)) and s["status"] == "acknowledged",
            what="acknowledged",
        )
        done = as_owner.post(
            f"/v1/escalations/{esc_id}/resolve",
            json={"resolution": "actioned", "note": "removed, police informed"},
        )
        assert done.status_code == 202, done.text
    final = wait_for(
        lambda: (s := _state(live, esc_id)) and s["status"] == "resolved" and s, what="resolved"
    )
    actions = [(h["action"], h["actor"]) for h in final["history"]]
    assert ("acknowledged", owner) in actions
    assert ("resolved", owner) in actions


def test_acknowledge_by_someone_off_duty_is_rejected_in_history(live: Live) -> None:
    """Someone on the team but neither owner, on duty nor paged cannot acknowledge.

    The intake lets a responder of the team through (docs/contract/access.md); the router
    decides who is on duty and records the refusal in the history.
    """
    with live.client() as client:
        esc_id = client.post("/v1/escalations", json=_threat(f"E2E-{uuid.uuid4()}")).json()["id"]
        assigned = wait_for(lambda: _state(live, esc_id), what="assignment")
        levels = client.get("/v1/oncall", params={"team": "ts-dublin"}).json()["levels"]
    busy = {p["person"] for level in levels for p in level["people"]}
    busy |= {assigned["owner"], *(assigned["assignment"] or {}).get("paged", [])}
    off_duty = next(person for person in TS_DUBLIN if person not in busy)
    with live.client(person_token(live.base_url, live.admin_key, off_duty)) as stranger:
        ack = stranger.post(f"/v1/escalations/{esc_id}/acknowledge", json={})
        assert 202 == ack.status_code, ack.text
    state = wait_for(
        lambda: (s := _state(live, esc_id)) and len(s["history"]) >= 3 and s, what="rejection"
    )
    assert state["status"] == "assigned"
    assert state["history"][-1]["action"] == "acknowledge_rejected"


def test_sensitive_escalation_notification_is_redacted(live: Live) -> None:
    """A child-safety escalation's notification carries no description, URLs or content ids."""
    body = _threat(f"E2E-{uuid.uuid4()}", policy_area="child_safety")
    body["signals"] = {"minors": "confirmed", "ongoing": True}
    with live.client() as client:
        esc_id = client.post("/v1/escalations", json=body).json()["id"]
    notes = wait_for(lambda: _notes_for(live, esc_id), what="the notification")
    escalation = notes[0]["payload"]["escalation"]
    assert (escalation["description"], escalation["content_refs"]) == (None, [])
    assert escalation["sensitive"]


def test_health_and_metrics_of_every_service(live: Live) -> None:
    """Each service answers /healthz, /readyz and /metrics with its own metric names."""
    import httpx

    expected = {
        live.base_url: "intake_http_requests_total",
        live.router_url: "router_events_consumed_total",
        live.notifier_url: "notifier_deliveries_total",
    }
    for base, metric in expected.items():
        assert httpx.get(f"{base}/healthz").status_code == 200
        ready = httpx.get(f"{base}/readyz")
        assert (ready.status_code, ready.json()["status"]) == (200, "ready"), ready.text
        assert metric in httpx.get(f"{base}/metrics").text

"""Re-fired reports end to end: after a resolve, the same key opens a new, linked escalation."""

from __future__ import annotations

import asyncio
import copy
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from escalations.contracts.ids import escalation_id
from escalations.core.escalation import SourceKind
from escalations_intake.auth.api_keys import Scope
from escalations_intake.openapi.samples import ALERTMANAGER_SAMPLE, PAGERDUTY_SAMPLE
from tests.e2e.conftest import Live, wait_for
from tests.e2e.intake.helpers import create_key
from tests.support import person_token

pytestmark = pytest.mark.e2e
MONITORING = frozenset({Scope.WRITE, Scope.ACT, Scope.READ})
BODY = {"title": "Credible threat <b>naming</b> a school\x07", "policy_area": "violent_threat"}


def _key(live: Live, source: str) -> str:
    assert live.stack.database_url is not None
    return asyncio.run(
        create_key(live.stack.database_url, source, SourceKind.MONITORING, MONITORING)
    )


def _state(live: Live, esc_id: str, key: str | None = None) -> dict[str, Any] | None:
    with live.client(key) as client:
        response = client.get(f"/v1/escalations/{esc_id}")
    return response.json() if response.status_code == 200 else None


def _status(live: Live, esc_id: str, status: str, key: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = wait_for(
        lambda: (s := _state(live, esc_id, key)) and s["status"] == status and s,
        what=f"{esc_id} {status}",
    )
    return found


def _resolve_by_owner(live: Live, esc_id: str) -> None:
    owner = wait_for(lambda: _state(live, esc_id), what="assignment")["owner"]
    with live.client(person_token(live.base_url, live.admin_key, owner)) as client:
        body = {"resolution": "actioned", "note": "done"}
        assert 202 == client.post(f"/v1/escalations/{esc_id}/resolve", json=body).status_code
    _status(live, esc_id, "resolved")


def _linked(live: Live, first: str, second: str, key: str | None = None) -> None:
    """Assert ``second`` follows ``first`` both ways, with a history entry on each."""
    new = wait_for(lambda: _state(live, second, key), what="the new escalation stored")
    old = wait_for(
        lambda: (s := _state(live, first, key)) and s["followed_by"] and s,
        what="the old escalation linked",
    )
    assert (first, None, second) == (new["follows"], new["followed_by"], old["followed_by"])
    assert "followed" == old["history"][-1]["action"]
    assert any(first in (h["reason"] or "") for h in new["history"])
    assert "resolved" == old["status"]


@pytest.mark.parametrize(
    "prefix",
    ["REFIRE-", "<img src=x onerror=alert(1)>\x1f1\u202e\x07" + "é" * 120],
    ids=["plain", "hostile external id"],
)
def test_api_repeat_after_resolve_opens_a_new_linked_escalation(live: Live, prefix: str) -> None:
    """A repeat of a resolved key answers a new id that follows it; both link in their state."""
    body = {**BODY, "external_id": f"{prefix}{uuid.uuid4()}"}
    with live.client() as client:
        first = client.post("/v1/escalations", json=body).json()
    _resolve_by_owner(live, first["id"])
    with live.client() as client:
        again = client.post("/v1/escalations", json=body)
    assert 202 == again.status_code
    answer = again.json()
    assert (False, first["id"], "received") == (
        answer["duplicate"],
        answer["follows"],
        answer["status"],
    )
    assert answer["id"] != first["id"]
    _linked(live, first["id"], answer["id"])


def test_api_repeat_while_open_still_merges(live: Live) -> None:
    """A repeat of an open key is a duplicate of the same id, with no link."""
    body = {**BODY, "external_id": f"OPEN-{uuid.uuid4()}"}
    with live.client() as client:
        first = client.post("/v1/escalations", json=body).json()
        wait_for(lambda: _state(live, first["id"]), what="stored")
        # Another body: the same body again would be a client's retry, not a second report.
        second = client.post("/v1/escalations", json={**body, "description": "again"}).json()
    assert (first["id"], True, None) == (second["id"], second["duplicate"], second["follows"])
    merged = wait_for(
        lambda: (s := _state(live, first["id"])) and s["reports"] == 2 and s, what="merged"
    )
    assert (None, None) == (merged["follows"], merged["followed_by"])


def test_concurrent_repeats_after_resolve_converge_on_one_id(live: Live) -> None:
    """Eight repeats at once after a resolve all land on one new escalation (8 reports)."""
    body = {**BODY, "external_id": f"RACE-{uuid.uuid4()}"}
    with live.client() as client:
        first = client.post("/v1/escalations", json=body).json()
    _resolve_by_owner(live, first["id"])

    def post(n: int) -> dict[str, Any]:
        # Eight different reports (the same body eight times would be one, retried).
        report = {**body, "description": f"report {n}"}
        with live.client() as client:
            answer: dict[str, Any] = client.post("/v1/escalations", json=report).json()
            return answer

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(post, range(8)))
    ids = {a["id"] for a in answers}
    assert 1 == len(ids)
    (new_id,) = ids
    assert {first["id"]} == {a["follows"] for a in answers if not a["duplicate"]}
    merged = wait_for(
        lambda: (s := _state(live, new_id)) and s["reports"] == 8 and s, what="8 reports"
    )
    assert first["id"] == merged["follows"]


REFIRED_AT = "2026-12-07T10:00:00Z"


def _alert(fingerprint: str, status: str, starts_at: str | None = None) -> dict[str, Any]:
    """The sample group with one alert; ``starts_at``: its firing episode (a re-fire's is new)."""
    group = copy.deepcopy(ALERTMANAGER_SAMPLE)
    group["status"] = group["alerts"][0]["status"] = status
    group["alerts"][0]["fingerprint"] = fingerprint
    if starts_at is not None:
        group["alerts"][0]["startsAt"] = starts_at
    return group


def test_alertmanager_alert_firing_again_opens_a_new_linked_escalation(live: Live) -> None:
    """Firing, resolved, firing again: the second firing is `refired` into a new escalation."""
    source = f"am-{uuid.uuid4().hex[:6]}"
    key = _key(live, source)
    fingerprint = uuid.uuid4().hex[:16]
    url = "/v1/integrations/alertmanager"
    with live.client(key) as client:
        first = client.post(url, json=_alert(fingerprint, "firing")).json()["alerts"][0]
        wait_for(lambda: _state(live, first["id"], key), what="stored")
        client.post(url, json=_alert(fingerprint, "resolved"))
        _status(live, first["id"], "resolved", key)
        # Alertmanager gives a firing after a resolve a new startsAt: a new episode.
        refire = _alert(fingerprint, "firing", REFIRED_AT)
        again = client.post(url, json=refire).json()["alerts"][0]
    assert ("created", "refired", first["id"]) == (
        first["action"],
        again["action"],
        again["follows"],
    )
    _linked(live, first["id"], again["id"], key)
    with live.client(key) as client:
        resolved = _alert(fingerprint, "resolved", REFIRED_AT)
        closed = client.post(url, json=resolved).json()["alerts"][0]
    assert again["id"] == closed["id"]
    _status(live, again["id"], "resolved", key)


def test_pagerduty_trigger_after_resolve_opens_a_new_linked_escalation(live: Live) -> None:
    """Trigger, resolve, trigger: the answer names the new incident; resolve closes it."""
    source = f"pd-{uuid.uuid4().hex[:6]}"
    key = _key(live, source)
    dedup = f"pd-{uuid.uuid4()}"
    url = f"{live.base_url}/v1/integrations/pagerduty"
    trigger = {**PAGERDUTY_SAMPLE, "routing_key": key, "dedup_key": dedup}
    resolve = {"routing_key": key, "event_action": "resolve", "dedup_key": dedup}
    first_id = escalation_id(source, dedup)
    assert 202 == httpx.post(url, json=trigger).status_code
    wait_for(lambda: _state(live, first_id, key), what="stored")
    assert 202 == httpx.post(url, json=resolve).status_code
    _status(live, first_id, "resolved", key)
    again = httpx.post(url, json=trigger)
    assert 202 == again.status_code
    answer = again.json()
    assert (dedup, first_id) == (answer["dedup_key"], answer["follows"])
    assert answer["message"].startswith("Event processed")
    _linked(live, first_id, answer["id"], key)
    assert 202 == httpx.post(url, json=resolve).status_code
    _status(live, answer["id"], "resolved", key)

"""A client's retry (after a 503, the first attempt stored anyway) is not a second report.

Each POST below is what a retry after a 503 puts on the broker: the first attempt's event
is stored, and the retry publishes the same body again with an event id of its own. A
real 503 whose event was stored anyway cannot be provoked on demand (the broker would
have to store a record and fail to acknowledge it); what reaches the router is the same
either way, so these tests post twice (docs/refires-and-retries.md, "Retried reports").
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from escalations.contracts.codec import build_event
from escalations.contracts.events import EscalationReceived
from escalations.contracts.ids import report_fingerprint
from escalations.core.escalation import EscalationIn, SourceKind
from tests.e2e.conftest import Live, wait_for
from tests.e2e.router.rig import produce

pytestmark = pytest.mark.e2e
BODY = {
    "title": "<script>alert(1)</script> doxxing\x07 " + "é" * 100,
    "description": "</p><img src=x onerror=alert(1)>\u202e" + "z" * 3000,
    "policy_area": "harassment",
    "region": "IE",
    "language": "en",
    "reach": {"impressions_24h": 50000},
}


def _state(live: Live, esc_id: str) -> dict[str, Any] | None:
    with live.client() as client:
        response = client.get(f"/v1/escalations/{esc_id}")
    return response.json() if response.status_code == 200 else None


def _applied(live: Live, esc_id: str, actions: int) -> dict[str, Any]:
    """Wait until the escalation's history has ``actions`` report entries past the first."""

    def done() -> dict[str, Any] | None:
        state = _state(live, esc_id)
        kinds = {"retry_not_counted", "duplicate_merged"}
        if state is None or sum(h["action"] in kinds for h in state["history"]) < actions:
            return None
        return state

    found: dict[str, Any] = wait_for(done, what=f"{actions} more reports applied")
    return found


def _post(live: Live, body: dict[str, Any]) -> dict[str, Any]:
    with live.client() as client:
        response = client.post("/v1/escalations", json=body)
    assert 202 == response.status_code, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_the_same_body_again_is_a_retry_and_counts_once(live: Live) -> None:
    """Posted twice at once: same id, duplicate true, reports 1, score unchanged."""
    body = {**BODY, "external_id": f"RETRY-{uuid.uuid4()}"}
    first, retry = _post(live, body), _post(live, body)
    assert (first["id"], True) == (retry["id"], retry["duplicate"])
    state = _applied(live, first["id"], 1)
    assert 1 == state["reports"]
    assert ["received", "assigned", "retry_not_counted"] == [h["action"] for h in state["history"]]
    assert state["history"][-1]["reason"].startswith("retry of the report at ")


def test_another_body_for_the_key_still_counts(live: Live) -> None:
    """A retry is not counted, a different report of the same key within the window is."""
    body = {**BODY, "external_id": f"RETRY-{uuid.uuid4()}"}
    first = _post(live, body)
    stored = wait_for(lambda: _state(live, first["id"]), what="the first report stored")
    _post(live, body)
    _post(live, {**body, "description": "a second, different report"})
    state = _applied(live, first["id"], 2)
    assert 2 == state["reports"]
    assert stored["priority"]["score"] <= state["priority"]["score"]
    actions = [h["action"] for h in state["history"]]
    assert (1, 1) == (actions.count("retry_not_counted"), actions.count("duplicate_merged"))


def test_the_same_body_after_the_window_counts(live: Live) -> None:
    """The same report received 11 minutes after the first (window 10 min) counts again."""
    body = {**BODY, "external_id": f"RETRY-{uuid.uuid4()}"}
    first = _post(live, body)
    stored = wait_for(lambda: _state(live, first["id"]), what="the first report stored")
    request = EscalationIn.model_validate(body)
    later = datetime.fromisoformat(stored["created_at"]) + timedelta(minutes=11)
    report = EscalationReceived(
        escalation_id=first["id"],
        source="admin",
        source_kind=SourceKind.INTERNAL_TOOL,
        received_at=later,
        request=request,
        fingerprint=report_fingerprint("admin", request.model_dump_json()),
    )
    envelope = build_event(report, subject=first["id"], source="/intake", time=later)
    assert live.stack.kafka_bootstrap is not None
    asyncio.run(produce(live.stack.kafka_bootstrap, [envelope]))
    state = _applied(live, first["id"], 1)
    assert (2, "duplicate_merged") == (state["reports"], state["history"][-1]["action"])


def test_a_keyless_retry_lands_on_the_same_escalation(live: Live) -> None:
    """Without an external id, the same body posted twice is one escalation, one report."""
    body = {**BODY, "title": f"keyless {uuid.uuid4()} <b>x</b>"}
    first, retry = _post(live, body), _post(live, body)
    assert (first["id"], True) == (retry["id"], retry["duplicate"])
    state = _applied(live, first["id"], 1)
    assert (1, "retry_not_counted") == (state["reports"], state["history"][-1]["action"])
    other = _post(live, {**body, "description": "another report"})
    assert first["id"] != other["id"], "another body without an external id is its own"

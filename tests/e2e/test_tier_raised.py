"""A repeat report that raises the tier, end to end: the owner is told again at the new tier."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.e2e.conftest import Live, wait_for

pytestmark = pytest.mark.e2e


def _report(external_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "title": "Harassment of a <b>journalist</b>\x07",
        "policy_area": "harassment",
        "region": "IE",
        "language": "en",
        "reach": {"impressions_24h": 50000},
        **extra,
    }


def _state(live: Live, esc_id: str) -> dict[str, Any] | None:
    with live.client() as client:
        response = client.get(f"/v1/escalations/{esc_id}")
    return response.json() if response.status_code == 200 else None


def test_a_repeat_that_raises_to_p0_reaches_the_owner_again(live: Live) -> None:
    """P3 -> P0 by a repeat report: one tier_raised, delivered to the owner, no escalation."""
    external_id = f"E2E-RISE-{uuid.uuid4()}"
    with live.client() as client:
        esc_id = client.post("/v1/escalations", json=_report(external_id)).json()["id"]
        first = wait_for(lambda: _state(live, esc_id), what="the P3 stored")
        assert "P3" == first["priority"]["tier"]
        threat = _report(external_id, signals={"imminence": "imminent_specific"})
        assert 202 == client.post("/v1/escalations", json=threat).status_code
    raised = wait_for(
        lambda: (s := _state(live, esc_id)) and s["priority"]["tier"] == "P0" and s,
        what="the tier raised",
    )
    actions = [entry["action"] for entry in raised["history"]]
    assert ["received", "assigned", "duplicate_merged", "tier_raised"] == actions
    assert ("assigned", 1) == (raised["status"], raised["level"])

    def told() -> list[dict[str, Any]]:
        return [
            n
            for n in live.notifications()
            if n["payload"].get("escalation", {}).get("id") == esc_id
            and n["payload"]["event"] == "escalation.tier_raised"
        ]

    (note,) = wait_for(told, what="the owner told of the rise")
    details = note["payload"]["details"]
    assert (first["owner"], "P3", "P0", "report", [first["owner"]]) == (
        note["person"],
        details["previous_tier"],
        details["tier"],
        details["cause"],
        details["targets"],
    )
    assert note["payload"]["summary"].startswith("[P0] raised from P3 (repeat report), level 1")

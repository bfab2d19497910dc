"""Through the intake to the router and out on the events topic: routing, merges, timers."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.router.configs import config
from tests.e2e.router.conftest import MakeRig
from tests.e2e.router.rig import Event, Rig, wait_until
from tests.support import person_token

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def rig(make_rig: MakeRig) -> Rig:
    """One intake and one router over the short-SLA test configuration."""
    made = make_rig(config())
    made.start_intake()
    made.start_router()
    return made


def _post(rig: Rig, body: dict[str, Any]) -> str:
    with rig.client() as client:
        response = client.post("/v1/escalations", json=body)
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def _state(rig: Rig, esc_id: str) -> dict[str, Any] | None:
    with rig.client() as client:
        response = client.get(f"/v1/escalations/{esc_id}")
    return response.json() if response.status_code == 200 else None


def _settled(rig: Rig, esc_id: str, status: str = "assigned") -> dict[str, Any]:
    return dict(
        wait_until(
            lambda: (s := _state(rig, esc_id)) and s["status"] == status and s,
            10,
            f"escalation {esc_id} to be {status}",
        )
    )


def _events_of(rig: Rig, esc_id: str, at_least: int = 0) -> list[Event]:
    """Return the escalation's events once there are ``at_least`` of them."""
    found: list[Event] = (
        wait_until(
            lambda: (
                len(got := [e for e in rig.events() if e.escalation == esc_id]) >= at_least
                and (got or True)
                and got
            ),
            10,
            f"{at_least} events of {esc_id}",
        )
        if at_least
        else [e for e in rig.events() if e.escalation == esc_id]
    )
    return found


def _body(area: str, language: str = "en", **extra: object) -> dict[str, Any]:
    return {
        "external_id": f"R-{uuid.uuid4()}",
        "title": f"{area} report",
        "policy_area": area,
        "language": language,
        **extra,
    }


THREAT: dict[str, object] = {"signals": {"imminence": "imminent_specific"}}


@pytest.mark.parametrize(
    ("area", "language", "extra", "team", "owner", "tier"),
    [
        ("violent_threat", "en", THREAT, "tsd", "aoife", "P0"),
        ("hate_speech", "de", {}, "tsd", "bruno", None),
        ("self_harm", "fr", {}, "tsd", "chen", None),
        ("child_safety", "en", {}, "cs", "dana", None),
        ("spam", "en", {}, "general", None, "P4"),
        (
            "violent_extremism",
            "en",
            {"regulatory": {"regime": "terreg_removal_order"}},
            "legal",
            "emil",
            "P0",
        ),
    ],
)
def test_routing_and_assignment_match_the_config(
    rig: Rig,
    area: str,
    language: str,
    extra: dict[str, Any],
    team: str,
    owner: str | None,
    tier: str | None,
) -> None:
    """Each case lands on the team its rule names and the only qualified person on duty."""
    state = _settled(rig, _post(rig, _body(area, language, **extra)))
    assert team == state["team"]
    if owner is not None:
        assert owner == state["owner"]
    else:
        assert state["owner"] in {"fiona", "gus"}
    if tier is not None:
        assert tier == state["priority"]["tier"]
    assert ["received", "assigned"] == [h["action"] for h in state["history"]]


def test_duplicates_merge_into_one_escalation(rig: Rig) -> None:
    """Three reports of one external id: one escalation, reports 3, one assignment."""
    body = _body("harassment")
    # Three different reports: the same body three times would be one report, retried.
    ids = {_post(rig, {**body, "description": f"report {n}"}) for n in range(3)}
    assert 1 == len(ids)
    (esc_id,) = ids
    state = wait_until(
        lambda: (s := _state(rig, esc_id)) and s["reports"] == 3 and s, 10, "three reports"
    )
    actions = Counter(h["action"] for h in state["history"])
    # The extra reports lift the harassment report one tier: a rise of its own.
    rise = {"tier_raised": 1}
    assert {"received": 1, "assigned": 1, "duplicate_merged": 2, **rise} == dict(actions)
    types = Counter(e.type for e in _events_of(rig, esc_id, at_least=4))
    merged = {"escalation.duplicate_merged": 2, "escalation.tier_raised": 1}
    assert {"escalation.assigned": 1, **merged} == dict(types)


def _ack(rig: Rig, esc_id: str, by: str) -> None:
    """Acknowledge as ``by``, with their own personal token (people act as themselves)."""
    token = person_token(rig.intake_url, rig.admin_key, by)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=rig.intake_url, headers=headers, timeout=10) as client:
        response = client.post(f"/v1/escalations/{esc_id}/acknowledge", json={})
    assert response.status_code == 202, response.text


def test_acknowledge_stops_the_escalation(rig: Rig) -> None:
    """An acknowledged P0 is not escalated after its 2 s deadline; an off-duty ack is refused.

    The team's lead may act on its escalations (docs/contract/access.md), but is not on its
    schedule: the router refuses the acknowledgement and says why in the history.
    """
    esc_id = _post(rig, _body("violent_threat", "en", **THREAT))
    state = _settled(rig, esc_id)
    _ack(rig, esc_id, "lead")
    _ack(rig, esc_id, state["owner"])
    _settled(rig, esc_id, "acknowledged")
    time.sleep(3.0)
    state = _settled(rig, esc_id, "acknowledged")
    actions = [h["action"] for h in state["history"]]
    assert ["received", "assigned", "acknowledge_rejected", "acknowledged"] == actions
    rejected = state["history"][2]
    assert "lead is neither the owner nor on duty for team tsd" == rejected["reason"]
    types = [e.type for e in _events_of(rig, esc_id, at_least=2)]
    assert "escalation.escalated" not in types
    assert ["escalation.assigned", "escalation.acknowledged"] == types


def _at(event: Event) -> datetime:
    return datetime.fromisoformat(event.body["time"])


def test_unacknowledged_p0_escalates_to_level_two_then_breaches(rig: Rig) -> None:
    """After the 2 s acknowledge budget level 2 (the lead) is paged; after the last, a breach."""
    esc_id = _post(rig, _body("violent_threat", "en", **THREAT))
    state = _settled(rig, esc_id)
    wait_until(
        lambda: any(e.type == "escalation.sla_breached" for e in _events_of(rig, esc_id)),
        10,
        "the acknowledge breach",
    )
    events = {e.type: e for e in _events_of(rig, esc_id)}
    escalated = events["escalation.escalated"].body["data"]
    assert (2, ["lead"]) == (escalated["level"], escalated["targets"])
    breached = events["escalation.sla_breached"].body["data"]
    assert "acknowledge" == breached["kind"]
    warning = events["escalation.sla_warning"].body["data"]
    assert "acknowledge" == warning["kind"]
    created = datetime.fromisoformat(state["created_at"]) if "created_at" in state else None
    assigned_at = _at(events["escalation.assigned"])
    for kind, due in (("escalation.sla_warning", 1.5), ("escalation.escalated", 2.0)):
        late = (_at(events[kind]) - assigned_at).total_seconds() - due
        assert -0.05 <= late < 1.0, f"{kind} fired {late:.2f} s after its instant"
    assert created is None or created <= assigned_at + timedelta(seconds=1)
    final = _settled(rig, esc_id, "escalated")
    assert 2 == final["level"]


def test_round_robin_is_fair_across_escalations(rig: Rig) -> None:
    """Nine escalations all three qualify for go three to each, whatever the batching."""
    ids = [_post(rig, _body("harassment")) for _ in range(9)]
    owners = Counter(_settled(rig, esc_id)["owner"] for esc_id in ids)
    assert {"aoife": 3, "bruno": 3, "chen": 3} == dict(owners)


def test_time_off_sends_the_work_to_the_next_person(rig: Rig) -> None:
    """With fiona on time off (stored by the router from the intake's command), gus gets spam."""
    now = datetime.now(UTC)
    window = {
        "start": (now - timedelta(minutes=1)).isoformat(),
        "end": (now + timedelta(hours=1)).isoformat(),
    }
    with rig.client() as client:
        response = client.post("/v1/people/fiona/time-off", json={**window, "reason": "leave"})
    assert response.status_code == 202, response.text
    wait_until(
        lambda: rig.query("SELECT 1 FROM time_off WHERE person = 'fiona'"), 10, "stored time off"
    )
    owners = {_settled(rig, _post(rig, _body("spam")))["owner"] for _ in range(3)}
    assert {"gus"} == owners

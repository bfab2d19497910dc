"""``POST /v1/simulate`` names the owner the router then assigns, from the live state.

Through a real intake, Kafka, router and Postgres: the simulation reads the person load the
router keeps (round robin) and the time off it stored, so its owner is the router's.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.router.configs import config
from tests.e2e.router.conftest import MakeRig
from tests.e2e.router.rig import Rig, wait_until

pytestmark = pytest.mark.e2e
# Everyone in team ``tsd`` (aoife, bruno, chen) is on duty and has the skill and language.
BODY = {"title": "Harassment of a creator", "policy_area": "harassment", "language": "en"}


@pytest.fixture(scope="module")
def rig(make_rig: MakeRig) -> Rig:
    """One intake and one router over the test configuration."""
    made = make_rig(config())
    made.start_intake()
    made.start_router()
    return made


def _simulate(rig: Rig) -> dict[str, Any]:
    with rig.client() as client:
        response = client.post("/v1/simulate", json=BODY)
    assert 200 == response.status_code, response.text
    return dict(response.json())


def _assigned(rig: Rig) -> str:
    """Create an escalation like ``BODY`` and return the owner the router assigned."""
    with rig.client() as client:
        body = {**BODY, "external_id": f"sim-{uuid.uuid4()}"}
        created = client.post("/v1/escalations", json=body)
        assert 202 == created.status_code, created.text
        esc_id = created.json()["id"]

        def owner() -> str | None:
            got = client.get(f"/v1/escalations/{esc_id}")
            return got.json()["owner"] if got.status_code == 200 else None

        return str(wait_until(owner, 15, f"escalation {esc_id} assigned"))


def _level_one(rig: Rig) -> set[str]:
    with rig.client() as client:
        answer = client.get("/v1/oncall", params={"team": "tsd"}).json()
    return {p["person"] for p in answer["levels"][0]["people"]}


def test_simulate_skips_the_person_just_assigned_like_the_router(rig: Rig) -> None:
    """After the router gives X an escalation, simulate names someone else, as the router does."""
    first = _simulate(rig)["owner"]
    assert first == _assigned(rig)
    second = _simulate(rig)
    assert first != second["owner"]
    load = {entry["person"]: entry for entry in second["state"]["person_load"]}
    assert {"aoife", "bruno", "chen"} == set(load)
    assert (True, True) == (load[first]["stored"], load[first]["last_assigned_at"] is not None)
    assert second["owner"] == _assigned(rig)


def test_simulate_skips_a_person_on_time_off_like_the_router(rig: Rig) -> None:
    """With the next owner on time off, simulate and the router both pick another person."""
    away = _simulate(rig)["owner"]
    start = datetime.now(UTC) - timedelta(minutes=1)
    body = {"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()}
    with rig.client() as client:
        response = client.post(f"/v1/people/{away}/time-off", json={**body, "reason": "leave"})
    assert 202 == response.status_code, response.text
    wait_until(lambda: away not in _level_one(rig), 15, f"{away}'s time off in force")
    simulated = _simulate(rig)
    assert away != simulated["owner"]
    # Other tests share this database: their time off may be listed too, never twice ours.
    listed = [entry["person"] for entry in simulated["state"]["time_off"]]
    assert 1 == listed.count(away), listed
    assert simulated["owner"] == _assigned(rig)

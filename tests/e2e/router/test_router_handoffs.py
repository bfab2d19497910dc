"""A shift handoff through a real intake, Kafka, router and Postgres, across a kill -9.

An override created through the intake API starts a few seconds from now; the router is
killed (SIGKILL) just before that instant and started again after it. The handoff is still
published, and exactly once (docs/router.md, "Stakeholders: reminders, handoffs, digests").
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.router.configs import config
from tests.e2e.router.conftest import MakeRig
from tests.e2e.router.rig import Event, Rig, wait_until

pytestmark = pytest.mark.e2e
LEAD_TIME = timedelta(seconds=10)
# No other router test overrides this team's schedule (the stack is theirs too).
TEAM = "general"


@pytest.fixture(scope="module")
def rig(make_rig: MakeRig) -> Iterator[Rig]:
    """One intake and one router whose stakeholder job runs every 0.2 s."""
    made = make_rig(config())
    made.start_intake()
    made.start_router(ROUTER_STAKEHOLDER_INTERVAL_SECONDS="0.2")
    yield made
    made.stop_all()


def _sleep_until(instant: datetime) -> None:
    time.sleep(max(0.0, (instant - datetime.now(UTC)).total_seconds()))


def _handoffs(rig: Rig, at: datetime) -> list[Event]:
    return [
        e
        for e in rig.events()
        if e.type == "shift.handoff"
        and e.key == TEAM
        and datetime.fromisoformat(e.body["data"]["at"]) == at
    ]


def test_an_override_hands_over_once_across_a_kill_at_the_instant(rig: Rig) -> None:
    """Whoever was on -> aoife at the override's start: one event and row, across a kill."""
    start = (datetime.now(UTC) + LEAD_TIME).replace(microsecond=0)
    window = {"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}
    with rig.client() as client:
        added = client.post(f"/v1/teams/{TEAM}/overrides", json={"person": "aoife", **window})
        assert 202 == added.status_code, added.text
    try:
        _hand_over_across_a_kill(rig, start)
    finally:
        # The stack is shared with the other router tests: end the override before leaving.
        with rig.client() as client:
            client.delete(f"/v1/teams/{TEAM}/overrides/{added.json()['id']}")
        wait_until(
            lambda: (
                not rig.query(
                    "SELECT 1 FROM schedule_overrides WHERE team = 'general' AND end_at > now()"
                )
            ),
            15,
            "the override ended",
        )


def _hand_over_across_a_kill(rig: Rig, start: datetime) -> None:
    wait_until(
        lambda: (
            rig.query("SELECT 1 FROM schedule_overrides WHERE team = 'general'")
            and rig.query("SELECT 1 FROM handoff_watermarks WHERE team = 'general'")
        ),
        15,
        "override applied and the team's watermark set",
    )
    _sleep_until(start - timedelta(seconds=1))
    rig.kill()
    _sleep_until(start + timedelta(seconds=2))
    rig.start_router(ROUTER_STAKEHOLDER_INTERVAL_SECONDS="0.2")
    (event,) = wait_until(lambda: _handoffs(rig, start), 30, "the handoff published")
    # fiona and gus are on duty unless an earlier test on this shared stack gave one time off.
    outgoing, incoming = event.body["data"]["outgoing"], event.body["data"]["incoming"]
    assert ["aoife"] == incoming
    assert outgoing
    assert set(outgoing) <= {"fiona", "gus"}
    time.sleep(2)  # a few more rounds of the job: nothing more goes out
    assert 1 == len(_handoffs(rig, start))
    rows = rig.query("SELECT id FROM shift_handoffs WHERE team = $1 AND at = $2", TEAM, start)
    assert [event.body["data"]["handoff_id"]] == [r["id"] for r in rows]

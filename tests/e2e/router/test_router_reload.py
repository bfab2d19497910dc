"""Configuration reload without a restart; running escalations keep their snapshotted policy."""

from __future__ import annotations

import signal
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from escalations.contracts.codec import build_event
from escalations.contracts.events import EscalationReceived
from escalations.core.escalation import EscalationIn, SourceKind
from tests.e2e.router.configs import ONE_LEVEL, config
from tests.e2e.router.conftest import MakeRig
from tests.e2e.router.rig import Event, Rig, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def rig(make_rig: MakeRig) -> Rig:
    """One router (no intake: escalations go straight onto the intake topic)."""
    made = make_rig(config())
    made.start_router()
    return made


def _send(rig: Rig, area: str, **signals: Any) -> str:
    esc_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    request = EscalationIn.model_validate(
        {"title": f"{area} report", "policy_area": area, "language": "en", "signals": signals}
    )
    payload = EscalationReceived(
        escalation_id=esc_id,
        source="reload-test",
        source_kind=SourceKind.INTERNAL_TOOL,
        received_at=now,
        request=request,
    )
    rig.produce([build_event(payload, subject=esc_id, source="/tests", time=now)])
    return esc_id


def _team(rig: Rig, esc_id: str) -> str:
    rows = wait_until(
        lambda: rig.query("SELECT team FROM escalations WHERE id = $1", esc_id), 10, esc_id
    )
    return str(rows[0]["team"])


def _log(rig: Rig) -> str:
    return (rig.folder / "router" / "router.log").read_text()


def _reloaded_at(rig: Rig) -> datetime:
    line = next(line for line in _log(rig).splitlines() if "configuration reloaded" in line)
    return datetime.fromisoformat(orjson.loads(line)["ts"])


def _events(rig: Rig, esc_id: str, kind: str) -> list[Event]:
    found: list[Event] = wait_until(
        lambda: [e for e in rig.events() if e.escalation == esc_id and e.type == kind],
        10,
        f"{kind} of {esc_id}",
    )
    return found


def test_reload_changes_new_escalations_only_and_refuses_a_bad_file(rig: Rig) -> None:
    """A file change reroutes new spam and drops level 2 for new P0s; old ones keep level 2."""
    assert "general" == _team(rig, _send(rig, "spam"))
    running = _send(rig, "violent_threat", imminence="imminent_specific")
    assert "tsd" == _team(rig, running)
    rerouted = config(tsd_policy=ONE_LEVEL).replace("team: general", "team: tsd")
    rig.config.write_text(rerouted)
    wait_until(lambda: "configuration reloaded" in _log(rig), 10, "the reload")
    assert "tsd" == _team(rig, _send(rig, "spam"))
    fresh = _send(rig, "violent_threat", imminence="imminent_specific")
    (escalated,) = _events(rig, running, "escalation.escalated")
    reloaded_at = _reloaded_at(rig)
    assert reloaded_at < datetime.fromisoformat(escalated.body["time"]), "reload came too late"
    assert (2, ["lead"]) == (escalated.body["data"]["level"], escalated.body["data"]["targets"])
    _events(rig, fresh, "escalation.sla_breached")
    assert [] == [e for e in rig.events() if e.escalation == fresh and "escalated" in e.type]


def test_bad_configuration_on_sighup_is_refused_and_the_old_one_kept(rig: Rig) -> None:
    """SIGHUP with a broken file logs the refusal and the router keeps routing as before."""
    before = _team(rig, _send(rig, "spam"))
    rig.config.write_text("people: [}\n")
    rig.signal("router", signal.SIGHUP)
    wait_until(lambda: "configuration reload refused" in _log(rig), 10, "the refusal")
    time.sleep(0.2)
    assert before == _team(rig, _send(rig, "spam"))

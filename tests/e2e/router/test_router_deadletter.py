"""Dead-letter replay through a real router, Kafka and Postgres: applied once, never twice."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from escalations.contracts.codec import build_event
from escalations.contracts.events import (
    AcknowledgeRequested,
    EscalationReceived,
    Resolution,
    ResolveRequested,
)
from escalations.contracts.topics import INTAKE, ROUTER_DEADLETTER
from escalations.core.escalation import EscalationIn, PolicyArea, SourceKind
from escalations_router.ops.letters import parse, replay_event_id, replay_value
from tests.e2e.router.configs import config
from tests.e2e.router.conftest import MakeRig
from tests.e2e.router.rig import Event, Rig, wait_until

pytestmark = pytest.mark.e2e
SCRIPT = Path(sys.executable).parent / "escalations-router"


@pytest.fixture(scope="module")
def rig(make_rig: MakeRig) -> Rig:
    """One router; events go straight onto the intake topic."""
    made = make_rig(config())
    made.start_router()
    return made


def command(rig: Rig, *argv: str) -> subprocess.CompletedProcess[str]:
    """Run ``escalations-router deadletter ...`` against the rig's Kafka and Postgres."""
    return subprocess.run(
        [str(SCRIPT), "deadletter", *argv],
        env={"PATH": "/usr/bin:/bin", **rig.stack.env()},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def _received(esc_id: str) -> object:
    now = datetime.now(UTC)
    payload = EscalationReceived(
        escalation_id=esc_id, source="deadletter-test", source_kind=SourceKind.INTERNAL_TOOL,
        received_at=now,
        request=EscalationIn(title="Harassment", policy_area=PolicyArea.HARASSMENT, language="en"),
    )  # fmt: skip
    return build_event(payload, subject=esc_id, source="/tests", time=now)


def _acknowledge(esc_id: str) -> object:
    now = datetime.now(UTC)
    payload = AcknowledgeRequested(
        escalation_id=esc_id, by="aoife", source="tests", requested_at=now
    )
    return build_event(payload, subject=esc_id, source="/tests", time=now)


def _resolve(esc_id: str) -> object:
    now = datetime.now(UTC)
    payload = ResolveRequested(
        escalation_id=esc_id, by="aoife", resolution=Resolution.ACTIONED, source="tests",
        requested_at=now,
    )  # fmt: skip
    return build_event(payload, subject=esc_id, source="/tests", time=now)


def _dead_letter(rig: Rig, esc_id: str) -> Event:
    found: list[Event] = wait_until(
        lambda: [e for e in rig.events(ROUTER_DEADLETTER) if e.key == esc_id],
        15,
        f"the dead letter of {esc_id}",
    )
    assert 1 == len(found)
    return found[0]


def _mentioned(done: subprocess.CompletedProcess[str]) -> set[int]:
    """Return the offsets of the dead letters a ``replay`` run said anything about."""
    return {int(m) for m in re.findall(r"^offset (\d+) ", done.stdout + done.stderr, re.M)}


def _replayed(done: subprocess.CompletedProcess[str]) -> set[int]:
    """Return the offsets of the dead letters a ``replay`` run published again."""
    return {int(m) for m in re.findall(r"^offset (\d+) .*: replayed as event ", done.stdout, re.M)}


def _history(rig: Rig, esc_id: str) -> list[tuple[str, str]]:
    rows = rig.query(
        "SELECT action, actor FROM escalation_history WHERE escalation_id = $1 ORDER BY id", esc_id
    )
    return [(row["action"], row["actor"]) for row in rows]


def _status(rig: Rig, esc_id: str) -> str | None:
    rows = rig.query("SELECT status FROM escalations WHERE id = $1", esc_id)
    return str(rows[0]["status"]) if rows else None


def test_a_dead_letter_is_listed_replayed_once_and_never_again(rig: Rig) -> None:
    """An acknowledgement that raced ahead of its escalation is parked, then replayed once."""
    esc_id = str(uuid.uuid4())
    ack = _acknowledge(esc_id)
    rig.produce([ack])  # type: ignore[list-item]
    parked = _dead_letter(rig, esc_id)
    assert ("unknown_escalation", f"no escalation {esc_id}") == (
        parked.body["reason"],
        parked.body["error"],
    )
    # The router's log line about it names the escalation and the event (structured logs).
    log = (rig.folder / "router" / "router.log").read_text().splitlines()
    (line,) = [orjson.loads(x) for x in log if "dead-lettered" in x and esc_id in x]
    assert (esc_id, ack.id, "warning") == (line["escalation_id"], line["event_id"], line["level"])  # type: ignore[attr-defined]

    listed = command(rig, "list")
    assert (0, "") == (listed.returncode, listed.stderr)
    (row,) = [r for r in listed.stdout.splitlines() if esc_id in r]
    cells = row.split()
    assert [str(parked.offset), "unknown_escalation", esc_id] == [cells[0], *cells[2:4]]
    assert ["escalation.acknowledge_requested", "-"] == cells[4:6]
    assert row.endswith(f"no escalation {esc_id}")

    dry = command(rig, "replay", "--offset", str(parked.offset), "--dry-run")
    assert 0 == dry.returncode, dry.stderr
    assert "would replay as event" in dry.stdout
    assert [] == _history(rig, esc_id)  # nothing was sent

    rig.produce([_received(esc_id)])  # type: ignore[list-item]  # the cause, fixed
    wait_until(lambda: _status(rig, esc_id) == "assigned", 15, "the escalation")
    replayed = command(rig, "replay", "--offset", str(parked.offset))
    assert (0, "") == (replayed.returncode, replayed.stderr)
    assert f"offset {parked.offset} (escalation.acknowledge_requested for {esc_id}): " in (
        replayed.stdout
    )
    wait_until(lambda: _status(rig, esc_id) == "acknowledged", 15, "the replayed acknowledgement")

    again = command(rig, "replay", "--offset", str(parked.offset))
    assert (1, "") == (again.returncode, again.stdout)
    assert "already replayed at" in again.stderr
    # `--all` leaves it alone, and replays nothing twice. The topic is the router stack's,
    # shared with the other modules (their dead letters, some never replayable, may be on
    # it), so the first `--all` replays what they left and the second must repeat none of it.
    first = command(rig, "replay", "--all")
    assert parked.offset not in _mentioned(first)
    second = command(rig, "replay", "--all")
    assert set() == _replayed(second) & (_replayed(first) | {parked.offset})
    assert parked.offset not in _mentioned(second)

    # Even published twice (the command died before recording it), it is applied once: the
    # copy carries the same derived id. A resolve behind it on the partition shows it was read.
    letter = parse(0, parked.offset, 0, orjson.dumps(parked.body))
    rig.produce_raw(INTAKE, esc_id.encode(), replay_value(letter))
    rig.produce([_resolve(esc_id)])  # type: ignore[list-item]
    wait_until(lambda: _status(rig, esc_id) == "resolved", 15, "the resolve")
    actions = [action for action, _ in _history(rig, esc_id)]
    assert 1 == actions.count("acknowledged")
    assert [] == [a for a in actions if a.endswith("_rejected")]
    processed = rig.query(
        "SELECT count(*) AS n FROM processed_events WHERE event_id = $1", replay_event_id(letter)
    )
    assert 1 == processed[0]["n"]
    listed = command(rig, "list", "--format", "json")
    (mine,) = [orjson.loads(x) for x in listed.stdout.splitlines() if esc_id in x]
    assert replay_event_id(letter) == mine["replay_event_id"]


def test_replaying_an_unknown_offset_says_so_and_exits_1(rig: Rig) -> None:
    """An offset that holds no dead letter: nothing is sent, and the reason is given."""
    done = command(rig, "replay", "--offset", "999999")
    assert 1 == done.returncode
    assert "offset 999999: no such dead letter (see `deadletter list`)" in done.stderr


def test_bad_settings_exit_2(rig: Rig) -> None:
    """A DATABASE_URL that is not PostgreSQL is refused before anything is read."""
    done = subprocess.run(
        [str(SCRIPT), "deadletter", "list"],
        env={"PATH": "/usr/bin:/bin", **rig.stack.env(), "DATABASE_URL": "mysql://x/y"},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert 2 == done.returncode
    assert "DATABASE_URL must be a PostgreSQL URL" in done.stderr

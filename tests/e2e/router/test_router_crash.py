"""Effectively-once under kill -9 and rebalances; poison messages go to the dead-letter topic."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import orjson
import pytest

from escalations.contracts.codec import build_event
from escalations.contracts.envelope import Envelope
from escalations.contracts.events import EscalationReceived
from escalations.contracts.topics import INTAKE, ROUTER_DEADLETTER
from escalations.core.escalation import EscalationIn, PolicyArea, SourceKind
from tests.e2e.router.configs import config
from tests.e2e.router.conftest import MakeRig
from tests.e2e.router.rig import Rig, wait_until

pytestmark = pytest.mark.e2e
COUNT = 2000


@pytest.fixture(scope="module")
def rig(make_rig: MakeRig) -> Iterator[Rig]:
    """A rig without processes yet: each test starts and kills its own routers."""
    made = make_rig(config())
    yield made
    made.stop_all()


def _received(esc_id: str) -> Envelope:
    now = datetime.now(UTC)
    payload = EscalationReceived(
        escalation_id=esc_id,
        source="crash-test",
        source_kind=SourceKind.INTERNAL_TOOL,
        received_at=now,
        request=EscalationIn(
            title="Harassment report", policy_area=PolicyArea.HARASSMENT, language="en"
        ),
    )
    return build_event(payload, subject=esc_id, source="/tests", time=now)


def _ids(n: int) -> list[str]:
    return [str(uuid.uuid4()) for _ in range(n)]


def _wait_done(rig: Rig, ids: list[str], timeout: float = 90) -> None:
    def done() -> bool:
        rows = rig.query("SELECT count(*) AS n FROM escalations WHERE id = ANY($1)", ids)
        unsent = rig.query("SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL")
        return bool(rows[0]["n"] == len(ids) and unsent[0]["n"] == 0)

    wait_until(done, timeout, f"{len(ids)} escalations stored and every event published")


def _assert_exactly_once(rig: Rig, ids: list[str]) -> None:
    """Every escalation assigned once in the history and on the topic; no event id twice."""
    wanted = set(ids)
    assigned = rig.query(
        "SELECT escalation_id, count(*) AS n FROM escalation_history "
        "WHERE action = 'assigned' AND escalation_id = ANY($1) GROUP BY escalation_id",
        ids,
    )
    assert {1} == {row["n"] for row in assigned}
    assert len(ids) == len(assigned)
    events = [e for e in rig.events() if e.escalation in wanted]
    by_id = Counter(e.id for e in events)
    assert [] == [event_id for event_id, n in by_id.items() if n > 1]
    per_escalation = Counter(e.escalation for e in events if e.type == "escalation.assigned")
    assert wanted == set(per_escalation)
    assert {1} == set(per_escalation.values())
    outbox = rig.query("SELECT event_id FROM outbox WHERE envelope->>'subject' = ANY($1)", ids)
    assert {row["event_id"] for row in outbox} == set(by_id)


def test_kill_minus_nine_at_random_points_loses_and_duplicates_nothing(rig: Rig) -> None:
    """Three kill -9s while 2,000 escalations flow: each assigned once, each event sent once."""
    seed = random.randrange(1_000_000)
    chance = random.Random(seed)
    ids = _ids(COUNT)
    rig.produce(_received(esc_id) for esc_id in ids)
    static = {"ROUTER_INSTANCE_ID": "crashing"}  # the restart takes the partitions back at once
    for _ in range(3):
        rig.start_router("crashing", **static)
        time.sleep(chance.uniform(0.05, 0.6))
        rig.kill("crashing")
    rig.start_router("crashing", **static)
    _wait_done(rig, ids)
    _assert_exactly_once(rig, ids)
    rig.kill("crashing")
    print(f"seed {seed}")


def _produce_steadily(rig: Rig, ids: list[str], stop: threading.Event) -> None:
    for start in range(0, len(ids), 100):
        if stop.is_set():
            return
        rig.produce(_received(esc_id) for esc_id in ids[start : start + 100])
        time.sleep(0.1)


def test_two_routers_with_rebalances_in_the_middle(rig: Rig) -> None:
    """A second router joins mid-flow and the first is killed: still exactly once."""
    ids = _ids(COUNT)
    stop = threading.Event()
    rig.start_router("a")
    producer = threading.Thread(target=_produce_steadily, args=(rig, ids, stop))
    producer.start()
    try:
        time.sleep(0.5)
        rig.start_router("b")
        time.sleep(random.uniform(0.3, 1.0))
        rig.kill("a")
    finally:
        producer.join()
    _wait_done(rig, ids)
    _assert_exactly_once(rig, ids)
    stop.set()
    rig.kill("b")


def test_poison_goes_to_the_dead_letter_topic_and_the_rest_flow(rig: Rig) -> None:
    """Garbage and an unknown schema version are dead-lettered; the escalation after them flows."""
    rig.start_router("poison")
    good = _ids(1)
    future = _received(good[0]).model_dump(mode="json")
    future["dataschema"] = future["dataschema"].replace(":v1", ":v9")
    rig.produce_raw(INTAKE, good[0].encode(), b"{not json")
    rig.produce_raw(INTAKE, good[0].encode(), orjson.dumps(future))
    rig.produce([_received(good[0])])
    _wait_done(rig, good)
    letters = [e.body for e in rig.events(ROUTER_DEADLETTER) if e.key == good[0]]
    assert ["undecodable", "undecodable"] == [letter["reason"] for letter in letters]
    assert "unsupported schema" in letters[1]["error"]
    rig.kill("poison")

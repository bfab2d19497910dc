"""Postgres and broker outages under a notifier with traffic: it stays up, says so, recovers.

These tests stop and start a Postgres and a broker, so each runs a durable stack of its own
(durable: a crash of Postgres must keep what it acknowledged, as in production).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from devstack.stack import Stack, start_stack
from escalations.contracts.topics import TOPICS
from tests.support import wait_for as wait_until

from .harness import WEBHOOK_SECRET, NotifierUnderTest, assigned, notifier, person, produce, team
from .receivers import HttpReceiver

pytestmark = pytest.mark.e2e
PATH = "/hook/o-ana"


@pytest.fixture
def own() -> Iterator[Stack]:
    """A durable Kafka and Postgres for one test (it stops them; its topic starts empty)."""
    stack = start_stack(topics=TOPICS, durable=True, env={})
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    """A webhook receiver for o-ana."""
    running = HttpReceiver(WEBHOOK_SECRET.encode()).start()
    try:
        yield running
    finally:
        running.stop()


def config(receiver: HttpReceiver) -> dict[str, Any]:
    """One person reachable by webhook."""
    return {
        "people": [person("o-ana", contacts={"webhook": receiver.url(PATH)})],
        "teams": [team("desk", "o-ana", ["o-ana"])],
    }


def readyz(n: NotifierUnderTest) -> tuple[int, dict[str, Any]]:
    """Return the readiness status code and body."""
    response = httpx.get(f"http://127.0.0.1:{n.http_port}/readyz", timeout=10)
    return response.status_code, response.json()


def delivered(receiver: HttpReceiver) -> Counter[str]:
    """Return how often each event id reached the receiver."""
    return Counter(r.headers["X-Escalation-Event-Id"] for r in receiver.received(PATH))


def out(n: NotifierUnderTest, dependency: str) -> bool:
    """Return whether /readyz answers 503 naming the dependency as out."""
    code, body = readyz(n)
    return code == 503 and dependency in body.get("outages", {})


def loops_waiting(n: NotifierUnderTest) -> list[str]:
    """Return the loops /readyz says wait on Postgres."""
    outages: dict[str, Any] = readyz(n)[1].get("outages", {})
    return list(outages.get("postgres", {}).get("loops", []))


def alive(n: NotifierUnderTest) -> bool:
    """Return whether the notifier process still runs."""
    return n.proc is not None and n.proc.popen.poll() is None


def settled(n: NotifierUnderTest, receiver: HttpReceiver, ids: set[str]) -> None:
    """Wait until every id arrived, the ledger has nothing unfinished, and it is ready."""
    wait_until(lambda: set(delivered(receiver)) >= ids, timeout=60, what="every page")
    wait_until(lambda: not n.rows("SELECT 1 FROM deliveries WHERE status <> 'sent'"),
               timeout=30, what="the ledger to settle")  # fmt: skip
    wait_until(lambda: readyz(n)[0] == 200, timeout=30, what="ready again")


def assert_no_unmarked_duplicate(receiver: HttpReceiver) -> None:
    """Each event arrived once, except re-sends marked as redeliveries."""
    unmarked = Counter(
        r.headers["X-Escalation-Event-Id"]
        for r in receiver.received(PATH)
        if "X-Escalation-Redelivery" not in r.headers
    )
    assert [] == [event for event, count in unmarked.items() if count > 1]


def test_postgres_restart_under_traffic_loses_nothing_and_the_notifier_stays_up(
    own: Stack, receiver: HttpReceiver, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Pages before, during and after a Postgres restart all arrive; readiness tells the story."""
    with notifier(own, tmp_path_factory.mktemp("pg"), "pg", config(receiver), {}) as n:
        ids = {e.id for e in produce(own, *(assigned("o-ana") for _ in range(40)))}
        wait_until(lambda: len(delivered(receiver)) >= 10, what="traffic flowing")
        own.stop_postgres()  # fast shutdown: every session ends with an admin shutdown
        ids |= {e.id for e in produce(own, *(assigned("o-ana") for _ in range(40)))}
        wait_until(lambda: out(n, "postgres"), what="readiness to report Postgres out")
        time.sleep(3)  # retries meanwhile, with backoff
        during = (alive(n), readyz(n)[1]["outages"]["postgres"]["since"] != "")
        own.start_postgres()
        ids |= {e.id for e in produce(own, *(assigned("o-ana") for _ in range(40)))}
        settled(n, receiver, ids)
        assert (True, True) == during
        assert alive(n)
        assert ids == set(delivered(receiver))
        assert_no_unmarked_duplicate(receiver)
        metrics = n.metrics()
        assert 'notifier_dependency_up{dependency="postgres"} 1.0' in metrics
        assert "postgres unreachable" in n.log()


def test_broker_restart_under_traffic_loses_nothing_and_the_notifier_stays_up(
    own: Stack, receiver: HttpReceiver, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Pages before and after a broker restart arrive; the outage shows in readiness."""
    with notifier(own, tmp_path_factory.mktemp("kafka"), "kafka", config(receiver), {}) as n:
        ids = {e.id for e in produce(own, *(assigned("o-ana") for _ in range(40)))}
        wait_until(lambda: len(delivered(receiver)) >= 10, what="traffic flowing")
        own.stop_kafka()
        wait_until(lambda: out(n, "kafka"), what="readiness to report Kafka out")
        time.sleep(3)
        during = alive(n)
        own.start_kafka()
        ids |= {e.id for e in produce(own, *(assigned("o-ana") for _ in range(40)))}
        settled(n, receiver, ids)
        assert during
        assert alive(n)
        assert ids == set(delivered(receiver))
        assert_no_unmarked_duplicate(receiver)


def test_an_outcome_postgres_could_not_take_is_recorded_later_and_not_resent(
    own: Stack, receiver: HttpReceiver, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Postgres crashes between a send and its record: the outcome waits in memory, no re-send."""
    crashed: list[str] = []

    def crash_once(path: str) -> None:
        if not crashed:
            crashed.append(path)
            own.stop_postgres(crash=True)

    folder: Path = tmp_path_factory.mktemp("record")
    with notifier(own, folder, "record", config(receiver), {}) as n:
        receiver.hook = crash_once
        (event,) = produce(own, assigned("o-ana"))
        wait_until(lambda: crashed, what="the send")
        receiver.hook = None
        wait_until(lambda: "record" in loops_waiting(n), what="the record loop to wait")
        held = "notifier_unrecorded_outcomes 1.0" in n.metrics()
        time.sleep(5)  # longer than the lease (4 s here): nothing may take the row meanwhile
        own.start_postgres()
        wait_until(
            lambda: n.rows("SELECT 1 FROM deliveries WHERE status = 'sent'"),
            what="the outcome to be recorded",
        )
        time.sleep(2)
        rows = n.rows("SELECT status, redeliveries, attempts FROM deliveries")
        assert (True, True) == (held, alive(n))
        assert [("sent", 0, 1)] == [tuple(r) for r in rows]
        assert Counter({event.id: 1}) == delivered(receiver)


def test_kill_9_between_send_and_record_resends_once_marked_and_drains_at_once(
    own: Stack, receiver: HttpReceiver, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Killed after a send, before its record: after the restart exactly one marked re-send,
    and the claimed backlog goes out within 5 s, not after the 60 s lease."""
    killed: list[str] = []
    env = {"NOTIFIER_LEASE_SECONDS": "60"}
    with notifier(own, tmp_path_factory.mktemp("kill9"), "kill9", config(receiver), env) as n:

        def kill_once(path: str) -> None:
            if not killed:
                killed.append(path)
                n.kill()

        receiver.hook = kill_once
        events = produce(own, *(assigned("o-ana") for _ in range(20)))
        wait_until(lambda: killed, what="the first send")
        receiver.hook = None
        first = receiver.received(PATH)[0].headers["X-Escalation-Event-Id"]
        ids = {e.id for e in events}
        started = time.monotonic()
        n.start()
        ready = time.monotonic()
        wait_until(lambda: set(delivered(receiver)) >= ids, timeout=30, what="the backlog")
        drained = time.monotonic() - ready
        print(f"restart: ready after {ready - started:.2f} s, backlog out {drained:.2f} s later")
        copies = [r for r in receiver.received(PATH) if r.headers["X-Escalation-Event-Id"] == first]
        marks = [r.headers.get("X-Escalation-Redelivery") for r in copies]
        row = n.rows("SELECT status, redeliveries FROM deliveries WHERE event_id = $1", first)
        assert [None, "1"] == marks
        assert [("sent", 1)] == [tuple(r) for r in row]
        assert_no_unmarked_duplicate(receiver)
        # Counted from readiness: the process start before it (Python's imports, 1-3.5 s on
        # the shared test machine) is the same with or without unfinished work.
        assert drained < 5.0, f"the backlog took {drained:.2f} s after the restart"


def test_queued_deliveries_go_out_within_5_s_of_the_endpoint_coming_back(
    own: Stack, receiver: HttpReceiver, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """With production backoff and breaker defaults, a backlog waits no more than 5 s."""
    env = {"NOTIFIER_BACKOFF_BASE_SECONDS": "0.5", "NOTIFIER_BACKOFF_MAX_SECONDS": "30",
           "NOTIFIER_MAX_ATTEMPTS": "50"}  # fmt: skip
    with notifier(own, tmp_path_factory.mktemp("endpoint"), "endpoint", config(receiver), env) as n:
        receiver.down(PATH)
        ids = {e.id for e in produce(own, *(assigned("o-ana") for _ in range(30)))}
        wait_until(
            lambda: n.rows("SELECT count(*) FROM deliveries WHERE status = 'retrying'")[0][0] == 30,
            what="the backlog to queue",
        )
        time.sleep(10)  # the endpoint stays down: probes fail, the breaker backs off
        receiver.up(PATH)
        back = time.monotonic()
        wait_until(lambda: set(delivered(receiver)) >= ids, timeout=60, what="the backlog")
        recovery = time.monotonic() - back
        print(f"endpoint back: backlog delivered {recovery:.2f} s later")
        assert recovery < 5.0, f"the backlog took {recovery:.2f} s after the endpoint came back"


def test_a_notifier_started_while_the_broker_is_out_waits_for_it_and_then_delivers(
    own: Stack, receiver: HttpReceiver, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Started with the broker down, it stays up and says so; once the broker is back, it works."""
    with notifier(own, tmp_path_factory.mktemp("cold"), "cold", config(receiver), {}) as n:
        n.stop()
        own.stop_kafka()
        n.launch()
        wait_until(lambda: _answers(n) and out(n, "kafka"), timeout=30, what="readiness: Kafka out")
        time.sleep(2)
        during = alive(n)
        own.start_kafka()
        wait_until(lambda: readyz(n)[0] == 200, timeout=60, what="ready once the broker is back")
        ids = {e.id for e in produce(own, *(assigned("o-ana") for _ in range(10)))}
        wait_until(lambda: set(delivered(receiver)) >= ids, timeout=60, what="every page")
        assert (True, True) == (during, alive(n))


def _answers(n: NotifierUnderTest) -> bool:
    """Return whether the health endpoint answers at all."""
    try:
        readyz(n)
    except httpx.HTTPError:
        return False
    return True

"""Benchmark of the notifier: deliveries/s to a local webhook, and event->sent latency.

Starts its own Kafka and Postgres (devstack, benchmark JVM, durable), a minimal asyncio
HTTP receiver in a child process, and the notifier as a real process
(``python -m escalations_notifier``). Three phases:

1. throughput: 10,000 ``escalation.assigned`` events (one webhook delivery each) are
   loaded into ``escalations.events.v1`` first; the notifier drains them. Figure: accepted
   deliveries per second, first to last.
2. warm-up: 25 s at 1,000/s, checked (every delivery exactly once) but not reported. The
   broker's JIT compiler keeps about 30 % of a core busy for the first 20-30 s of small
   produce and fetch requests (measured per JVM thread: it falls to 1-2 % after); the
   previous version measured its latency phases inside that window.
3. latency: events are produced at 500/s, then 1,000/s, for 10 s each, stamped with their
   event time; the receiver notes when each delivery arrives. Figures: p50 and p99 of
   event -> sent per rate, and beside them the same for a bare consumer reading the same
   events (the Kafka hop alone: the floor the notifier's figure stands on).

Targets: >= 3,000 deliveries/s; p99 < 25 ms at 1,000/s. Every delivery is checked to
arrive exactly once. Run: ``uv run python benchmarks/bench_notifier.py`` (not a test).

Figures on 2 shared cores (load average 2.5-3.3 from other work at the time), at 1,000/s:

* before: p50 12 ms, p99 41-43 ms (Kafka hop alone: p99 15 ms); 4,750-4,900 deliveries/s.
  Earlier runs on a quieter machine gave p99 50 ms (Kafka hop alone: 17 ms).
* the warm-up alone, with the notifier unchanged: p50 11-12 ms, p99 20-24 ms.
* the notifier changes alone, without the warm-up: p50 7 ms, p99 21-27 ms.
* both: p50 5.5-6.5 ms, p99 11.6-23 ms (six runs: 11.6, 12.3, 12.3, 13.9, 14.6, 23.0),
  Kafka hop alone p50 3.5 ms, p99 6-9 ms; 4,480-4,890 deliveries/s. At 500/s:
  p50 4.6-5 ms, p99 12-19 ms. The notifier's CPU per delivery fell from 1.41 to 0.88 ms
  at 500/s and from 0.70 to 0.60 ms at 1,000/s (small batches: most of it is per batch).

What changed in the notifier: the claim and the outcome update run on held connections in
autocommit, one round trip each instead of four (pre-ping, BEGIN, statement, COMMIT), the
claim still durably committed before anything is sent; their rows go as one JSON document;
and batches that share no escalation are claimed side by side (up to three), so a new batch
no longer waits for the claim before it.

What is left: when the kernel writes back the ledger's new pages (about 120 MB at once,
30 s after they were first dirtied; mostly the zero-filled pages Postgres 15 writes as the
table grows) every WAL fsync stalls for 50-80 ms. Every claim waits that long, and about
100 deliveries, one percent of a 10 s phase, land above 25 ms: instrumented runs with that
stall inside the 1,000/s phase measured p99 45-80 ms.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import orjson
import yaml
from aiokafka import AIOKafkaConsumer, TopicPartition

from devstack import JVM_BENCH, services
from devstack.ports import free_ports
from devstack.stack import Stack, start_stack
from escalations.contracts.codec import build_event
from escalations.contracts.envelope import encode
from escalations.contracts.events import Deadlines, EscalationAssigned, EscalationSummary, Status
from escalations.contracts.topics import EVENTS, TOPICS
from escalations.core.escalation import PolicyArea, SourceKind, Tier
from escalations.db.migrate import upgrade
from escalations.kafka import CONTENT_TYPE, make_producer

BURST = 10_000
RATES, RATE_SECONDS = (500, 1_000), 10  # the target is at 1,000/s; 500/s shows it unsaturated
# Unmeasured traffic at the target rate first: for its first 20-30 s of small requests the
# broker's JIT compiler takes about 30 % of a core (measured per JVM thread), which is the
# test rig starting up, not the steady state the latency target is about.
WARMUP_RATE, WARMUP_SECONDS = 1_000, 25
PEOPLE = 100
TARGET_RATE, TARGET_P99_MS = 3_000.0, 25.0


# --- the receiver: a bare HTTP/1.1 keep-alive server, so it is never the bottleneck ---


class _Receiver(asyncio.Protocol):
    def __init__(self, log: list[tuple[float, bytes]]) -> None:
        self._log, self._buffer = log, b""

    def connection_made(self, transport: Any) -> None:
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while True:
            head_end = self._buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = self._buffer[: head_end + 2].lower()
            start = head.find(b"content-length:")
            length = int(head[start + 15 : head.find(b"\r\n", start)]) if start >= 0 else 0
            if len(self._buffer) < head_end + 4 + length:
                return
            body = self._buffer[head_end + 4 : head_end + 4 + length]
            self._buffer = self._buffer[head_end + 4 + length :]
            self._log.append((time.time(), body))
            self._transport.write(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n")


def _serve(port: int, out: Any, stop: Any) -> None:
    """Run the receiver until ``stop`` is set; send (arrival, event id, event time) back."""

    async def main() -> None:
        log: list[tuple[float, bytes]] = []
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: _Receiver(log), "127.0.0.1", port, backlog=2048)
        while not stop.is_set():
            await asyncio.sleep(0.1)
            if out.poll():
                out.recv()
                rows = [(at, *_ids(body)) for at, body in log]
                log.clear()
                out.send(rows)
        server.close()

    asyncio.run(main())


def _ids(body: bytes) -> tuple[str, float]:
    data = orjson.loads(body)
    return data["event_id"], datetime.fromisoformat(data["time"]).timestamp()


# --- events -------------------------------------------------------------------------


def _event(person: str, at: datetime) -> bytes:
    esc = EscalationSummary(
        id=str(uuid4()), title="Benchmark escalation", policy_area=PolicyArea.SPAM,
        sensitive=False, tier=Tier.P2, score=40, status=Status.ASSIGNED, team="desk",
        owner=person, source="bench", source_kind=SourceKind.MONITORING,
        deadlines=Deadlines(acknowledge_by=at + timedelta(hours=1)), created_at=at,
    )  # fmt: skip
    payload = EscalationAssigned(escalation=esc, owner=person, team="desk")
    return encode(build_event(payload, subject=esc.id, source="/bench", time=at))


async def _produce(bootstrap: str, count: int, rate: float | None) -> list[float]:
    """Send ``count`` events (at ``rate``/s if given); when paced, also time a bare consumer.

    The bare consumer (same fetch settings as the notifier's) shows what the Kafka hop alone
    costs on this machine at that moment: the floor under event -> sent. Returns its
    event -> read latencies in ms (none for an unpaced burst).
    """
    # The default linger, as the router's relay uses: event time -> sent includes it.
    producer = make_producer(bootstrap, "bench-notifier")
    await producer.start()
    watch = await _watcher(bootstrap, producer) if rate is not None else None
    try:
        reading = asyncio.create_task(_read(watch, count)) if watch is not None else None
        started = time.monotonic()
        for i in range(count):
            if rate is not None:
                delay = started + i / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            value = _event(f"p{i % PEOPLE}", datetime.now(UTC))
            await producer.send(EVENTS, value=value, key=str(i).encode(), headers=[CONTENT_TYPE])
        await producer.flush()
        return await asyncio.wait_for(reading, 60) if reading is not None else []
    finally:
        await producer.stop()
        if watch is not None:
            await watch.stop()


async def _watcher(bootstrap: str, producer: Any) -> AIOKafkaConsumer:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, isolation_level="read_committed",
        fetch_max_wait_ms=50,
    )  # fmt: skip
    await consumer.start()
    partitions = [TopicPartition(EVENTS, p) for p in await producer.partitions_for(EVENTS)]
    consumer.assign(partitions)
    await consumer.seek_to_end(*partitions)
    for tp in partitions:
        await consumer.position(tp)
    return consumer


async def _read(consumer: AIOKafkaConsumer, count: int) -> list[float]:
    latencies: list[float] = []
    while len(latencies) < count:
        batch = await consumer.getmany(timeout_ms=200)
        now = time.time()
        for record in (r for rs in batch.values() for r in rs):
            sent = datetime.fromisoformat(orjson.loads(record.value)["time"]).timestamp()
            latencies.append((now - sent) * 1000)
    return latencies


# --- the notifier -------------------------------------------------------------------


@contextmanager
def _notifier(stack: Stack, folder: Path, receiver_port: int, instances: int) -> Iterator[None]:
    hooks = [{"id": f"p{i}", "name": f"P {i}", "timezone": "UTC",
              "contacts": {"webhook": f"http://127.0.0.1:{receiver_port}/hook/p{i}"}}
             for i in range(PEOPLE)]  # fmt: skip
    layer = {"name": "all", "rotation": "weekly", "handoff": "09:00", "timezone": "UTC",
             "start": "2026-01-05", "members": ["p0"]}  # fmt: skip
    config = {"people": hooks, "routing": {"rules": [], "default_team": "desk"},
              "teams": [{"id": "desk", "name": "Desk", "lead": "p0",
                         "schedule": {"layers": [layer]}}]}  # fmt: skip
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **stack.env(),
            "ESCALATIONS_CONFIG": str(folder / "config.yaml"), "LOG_LEVEL": "WARNING",
            "NOTIFIER_WEBHOOK_SECRET": secrets.token_urlsafe(24),
            "NOTIFIER_GROUP_ID": f"bench-{uuid4().hex[:8]}"}  # fmt: skip
    procs = []
    for i, port in enumerate(free_ports(instances)):
        ports = services.Ports(1, 1, port, 1)
        env = services.service_env(base, ports)
        procs += services.start(env, ports, folder / f"logs-{i}", ["notifier"])
    try:
        services.wait_ready(procs)
        yield
    finally:
        services.stop(procs)


def _collect(conn: Any, want: int, timeout: float) -> list[tuple[float, str, float]]:
    rows: list[tuple[float, str, float]] = []
    deadline = time.monotonic() + timeout
    while len(rows) < want and time.monotonic() < deadline:
        time.sleep(0.5)
        conn.send("flush")
        rows += conn.recv()
    return rows


def _check(rows: list[tuple[float, str, float]], want: int, phase: str) -> None:
    ids = [r[1] for r in rows]
    if len(ids) != want or len(set(ids)) != want:
        sys.exit(f"{phase}: {len(ids)} deliveries, {len(set(ids))} distinct; expected {want} once")


def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.99) - 1)]


def _latency(
    conn: Any, bootstrap: str, rate: int, seconds: int = RATE_SECONDS
) -> tuple[int, float, float, float, float]:
    """Produce at ``rate``/s; return the rate, p50 and p99 of event -> sent, and of Kafka alone."""
    count = rate * seconds
    kafka_alone = asyncio.run(_produce(bootstrap, count, rate))
    paced = _collect(conn, count, 60)
    _check(paced, count, f"latency at {rate}/s")
    p50, p99 = _percentiles([(arrived - sent) * 1000 for arrived, _, sent in paced])
    return rate, p50, p99, *_percentiles(kafka_alone)


def main() -> None:
    """Run both phases and print the figures (``--instances N``: N notifier processes)."""
    instances = int(sys.argv[sys.argv.index("--instances") + 1]) if "--instances" in sys.argv else 1
    stack = start_stack(topics=TOPICS, kafka_jvm=JVM_BENCH, durable=True)
    parent, child = mp.Pipe()
    stop = mp.Event()
    port = free_ports(1)[0]
    receiver = mp.Process(target=_serve, args=(port, child, stop), daemon=True)
    receiver.start()
    try:
        assert stack.database_url is not None
        assert stack.kafka_bootstrap is not None
        upgrade(stack.database_url)
        asyncio.run(_produce(stack.kafka_bootstrap, BURST, None))
        with tempfile.TemporaryDirectory() as tmp, _notifier(stack, Path(tmp), port, instances):
            burst = _collect(parent, BURST, 90)
            _check(burst, BURST, "throughput")
            times = sorted(r[0] for r in burst)
            rate = (BURST - 1) / (times[-1] - times[0])
            _latency(parent, stack.kafka_bootstrap, WARMUP_RATE, WARMUP_SECONDS)
            figures = [_latency(parent, stack.kafka_bootstrap, rate) for rate in RATES]
    finally:
        stop.set()
        receiver.join(5)
        stack.stop()
    print(f"cores: {os.cpu_count()}  (receiver, {instances} notifier process(es), Kafka and "
          "Postgres share them)")  # fmt: skip
    rate_ok = "OK" if rate >= TARGET_RATE else "MISSED"
    print(f"throughput: {rate:,.0f} deliveries/s over {BURST:,} webhook deliveries "
          f"(target >= {TARGET_RATE:,.0f}) {rate_ok}")  # fmt: skip
    for rate, p50, p99, k50, k99 in figures:
        ok = "OK" if p99 < TARGET_P99_MS else "MISSED"
        verdict = f" (target p99 < {TARGET_P99_MS:g} ms) {ok}" if rate == 1_000 else ""
        print(f"latency at {rate:,}/s for {RATE_SECONDS} s: p50 {p50:.1f} ms, p99 {p99:.1f} ms"
              f"{verdict}; Kafka hop alone: p50 {k50:.1f} ms, p99 {k99:.1f} ms")  # fmt: skip
    print("every delivery arrived exactly once")


if __name__ == "__main__":
    main()

"""A router test rig: its own Kafka and Postgres, an intake, and router processes to kill.

The router's end-to-end tests start their own stack (not the session's) so the routers they
start, kill and restart never share a consumer group or rows with the rest of the suite.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from devstack import services
from devstack.ports import free_ports
from devstack.stack import Stack
from escalations.contracts.codec import topic_of
from escalations.contracts.envelope import Envelope, encode
from escalations.contracts.topics import EVENTS, TOPICS
from escalations.kafka import CONTENT_TYPE, make_producer


@dataclass(frozen=True)
class Event:
    """One record read back from a topic."""

    offset: int
    partition: int
    key: str | None
    body: dict[str, Any]

    @property
    def id(self) -> str:
        """Return the event id."""
        return str(self.body["id"])

    @property
    def type(self) -> str:
        """Return the event type."""
        return str(self.body.get("type", ""))

    @property
    def escalation(self) -> str:
        """Return the escalation id (the subject)."""
        return str(self.body.get("subject", ""))


@dataclass
class Rig:
    """Handles on the rig's processes and servers."""

    stack: Stack
    folder: Path
    config: Path
    admin_key: str
    intake_url: str = ""
    env: dict[str, str] = field(default_factory=dict)
    routers: dict[str, services.Process] = field(default_factory=dict)
    others: list[services.Process] = field(default_factory=list)

    @property
    def bootstrap(self) -> str:
        """Return the Kafka bootstrap address."""
        assert self.stack.kafka_bootstrap is not None
        return self.stack.kafka_bootstrap

    def start_intake(self) -> None:
        """Start the intake on a free port and wait until it is ready."""
        (port,) = free_ports(1)
        ports = services.Ports(intake=port)
        env = services.service_env(self.env, ports)
        proc = services.start(env, ports, self.folder / "intake", names=["intake"])
        services.wait_ready(proc)
        self.others += proc
        self.intake_url = f"http://127.0.0.1:{port}"

    def start_router(self, name: str = "router", **extra: str) -> services.Process:
        """Start one router process (named for its log folder) and wait until it is ready."""
        (port,) = free_ports(1)
        ports = services.Ports(router=port)
        env = services.service_env({**self.env, **extra}, ports)
        (proc,) = services.start(env, ports, self.folder / name, names=["router"])
        services.wait_ready([proc])
        self.routers[name] = proc
        return proc

    def router_url(self, name: str = "router") -> str:
        """Return the base URL of a router's health and metrics endpoint."""
        return self.routers[name].ready_url.removesuffix("/readyz")

    def kill(self, name: str = "router", sig: int = signal.SIGKILL) -> None:
        """Send a signal to a router and wait for it to exit."""
        proc = self.routers.pop(name)
        proc.popen.send_signal(sig)
        proc.popen.wait(timeout=30)

    def signal(self, name: str, sig: int) -> None:
        """Send a signal to a running router (e.g. SIGHUP)."""
        os.kill(self.routers[name].popen.pid, sig)

    def stop_all(self) -> None:
        """Stop every process the rig started."""
        services.stop([*self.routers.values(), *self.others])
        self.routers.clear()
        self.others.clear()

    def client(self) -> httpx.Client:
        """Return an HTTP client for the intake with the admin key."""
        headers = {"Authorization": f"Bearer {self.admin_key}"}
        return httpx.Client(base_url=self.intake_url, headers=headers, timeout=10)

    def events(self, topic: str = EVENTS) -> list[Event]:
        """Return every record on a topic, from the beginning."""
        return asyncio.run(read_topic(self.bootstrap, topic))

    def produce(self, envelopes: Iterable[Envelope]) -> None:
        """Publish envelopes to their topics (acks=all)."""
        asyncio.run(produce(self.bootstrap, list(envelopes)))

    def produce_raw(self, topic: str, key: bytes, value: bytes) -> None:
        """Publish raw bytes (for poison messages)."""
        asyncio.run(produce_raw(self.bootstrap, topic, key, value))

    def query(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        """Run one SQL query against the rig's Postgres."""
        assert self.stack.database_url is not None
        return asyncio.run(query(self.stack.database_url, sql, *args))


async def read_topic(bootstrap: str, topic: str) -> list[Event]:
    """Read a topic from the beginning to its current end."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, isolation_level="read_committed"
    )
    await consumer.start()
    try:
        count = next(spec.partitions for spec in TOPICS if spec.name == topic)
        parts = [TopicPartition(topic, p) for p in range(count)]
        consumer.assign(parts)
        ends = await consumer.end_offsets(parts)
        # Explicit seeks: seek_to_beginning resets lazily and raced with position() here.
        for tp, start in (await consumer.beginning_offsets(parts)).items():
            consumer.seek(tp, start)
        todo = {tp: end for tp, end in ends.items() if end > 0}
        out: list[Event] = []
        deadline = time.monotonic() + 30
        while todo:
            if time.monotonic() > deadline:
                positions = {tp: await consumer.position(tp) for tp in todo}
                raise AssertionError(f"could not read {topic} to its end: {todo} {positions}")
            batch = await consumer.getmany(timeout_ms=1000, max_records=5000)
            for tp, records in batch.items():
                for r in records:
                    key = r.key.decode() if r.key else None
                    out.append(Event(r.offset, tp.partition, key, orjson.loads(r.value)))
            # By position, not by the last offset seen: control records take offsets too.
            for tp, end in list(todo.items()):
                if await consumer.position(tp) >= end:
                    del todo[tp]
        return out
    finally:
        await consumer.stop()


async def produce(bootstrap: str, envelopes: Sequence[Envelope]) -> None:
    """Publish envelopes to the intake topic keyed by subject."""
    producer = make_producer(bootstrap, "router-tests", linger_ms=5)
    await producer.start()
    try:
        futures = [
            await producer.send(
                topic_of(e), value=encode(e), key=e.subject.encode(), headers=[CONTENT_TYPE]
            )
            for e in envelopes
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def produce_raw(bootstrap: str, topic: str, key: bytes, value: bytes) -> None:
    """Publish one raw record."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, value=value, key=key)
    finally:
        await producer.stop()


async def query(url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    """Run one query on a fresh connection."""
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


def wait_until(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll ``predicate`` until it returns something truthy; raise naming ``what`` if not."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.1)

"""Start Kafka and PostgreSQL together, or use external ones, and always tear them down."""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from devstack.kafka import (
    JVM_FAST,
    KafkaServer,
    PreparedKafka,
    launch_kafka,
    prepare_kafka,
    wait_kafka_ready,
)
from devstack.maven import kafka_libs
from devstack.postgres import PostgresServer, launch_postgres, prepare_postgres, wait_postgres_ready
from devstack.procs import DevstackError, run_coroutine, say
from devstack.topics import TopicSpecLike, create_topics, validate_specs
from devstack.workdirs import make_workdir, record_child

KAFKA_ENV = "KAFKA_BOOTSTRAP_SERVERS"
DATABASE_ENV = "DATABASE_URL"
DEFAULT_TIMEOUT_S = 60.0


@dataclass(eq=False)
class Stack:
    """Addresses of a running (or external) Kafka and PostgreSQL, and how to stop them."""

    kafka_bootstrap: str | None
    database_url: str | None
    workdir: Path | None = None
    kafka_server: KafkaServer | None = None
    postgres_server: PostgresServer | None = None
    durable: bool = False
    kafka_jvm: Sequence[str] = JVM_FAST
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _paused_kafka: PreparedKafka | None = field(default=None, repr=False)
    _paused_postgres: PostgresServer | None = field(default=None, repr=False)

    def env(self) -> dict[str, str]:
        """Return the environment variables that point services at this stack."""
        pairs = ((KAFKA_ENV, self.kafka_bootstrap), (DATABASE_ENV, self.database_url))
        return {name: value for name, value in pairs if value is not None}

    def alive(self) -> bool:
        """Return whether every server this stack started is still running."""
        servers = (self.kafka_server, self.postgres_server)
        return all(s.process.poll() is None for s in servers if s is not None)

    def stop_kafka(self) -> None:
        """Stop the broker this stack started, keeping its data and port (an outage)."""
        with self._lock:
            server = self.kafka_server
            if server is None:
                raise DevstackError("this stack has no running Kafka it started")
            server.stop()
            self._paused_kafka = server.prepared
            self.kafka_server = None

    def start_kafka(
        self, kafka_jvm: Sequence[str] = JVM_FAST, timeout: float = DEFAULT_TIMEOUT_S
    ) -> None:
        """Start the broker stopped by `stop_kafka` again, on the same port and data."""
        with self._lock:
            prepared = self._paused_kafka
            if prepared is None or self.workdir is None:
                raise DevstackError("no Kafka stopped by stop_kafka to start again")
            server = launch_kafka(prepared, kafka_jvm)
            record_child(self.workdir, server.process.pid)
            self.kafka_server, self._paused_kafka = server, None
        wait_kafka_ready(server, timeout)

    def stop_postgres(self, *, crash: bool = False) -> None:
        """Stop PostgreSQL (fast shutdown, or SIGKILL if ``crash``), keeping data and port."""
        with self._lock:
            server = self.postgres_server
            if server is None:
                raise DevstackError("this stack has no running PostgreSQL it started")
            if crash:  # the whole group, as a machine crash would: no backend survives
                os.killpg(server.process.pid, signal.SIGKILL)
                server.process.wait(30)
            else:
                server.stop()
            self._paused_postgres, self.postgres_server = server, None

    def start_postgres(self, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        """Start the PostgreSQL stopped by `stop_postgres` again, on the same port and data."""
        with self._lock:
            paused = self._paused_postgres
            if paused is None or self.workdir is None:
                raise DevstackError("no PostgreSQL stopped by stop_postgres to start again")
            server = launch_postgres(paused.prepared, durable=self.durable, port=paused.port)
            record_child(self.workdir, server.process.pid)
            self.postgres_server, self._paused_postgres = server, None
        wait_postgres_ready(server, timeout, create=False)

    def kafka_running(self) -> bool:
        """Return whether the broker this stack started runs (True when it started none)."""
        server = self.kafka_server
        return server is None or server.process.poll() is None

    def postgres_running(self) -> bool:
        """Return whether the PostgreSQL this stack started runs (True when it started none)."""
        server = self.postgres_server
        return server is None or server.process.poll() is None

    def restart_kafka(self, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        """Start the broker again after it died, on its data and port (nothing is deleted)."""
        with self._lock:
            dead = self.kafka_server
            if dead is None or self.workdir is None or dead.process.poll() is None:
                return
            server = launch_kafka(dead.prepared, self.kafka_jvm)
            record_child(self.workdir, server.process.pid)
            self.kafka_server = server
        wait_kafka_ready(server, timeout)

    def restart_postgres(self, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        """Start PostgreSQL again after it died, on its data and port (crash recovery runs)."""
        with self._lock:
            dead = self.postgres_server
            if dead is None or self.workdir is None or dead.process.poll() is None:
                return
            server = launch_postgres(dead.prepared, durable=self.durable, port=dead.port)
            record_child(self.workdir, server.process.pid)
            self.postgres_server = server
        wait_postgres_ready(server, timeout, create=False)

    def stop(self, *, keep_workdir: bool = False) -> None:
        """Stop the servers this stack started and remove its folder; safe to call twice."""
        # Reentrant: a SIGTERM handler may call this while the main thread is inside it.
        with self._lock:
            servers = [s for s in (self.kafka_server, self.postgres_server) if s is not None]
            self.kafka_server = self.postgres_server = None
            started = time.monotonic()
            # Signal all first, then wait: both shut down at once. No threads here, as this
            # also runs from atexit, where thread pools refuse new work.
            for server in servers:
                server.request_stop()
            for server in servers:
                server.finish_stop()
            if servers:
                say(f"stopped in {time.monotonic() - started:.1f} s")
            if self.workdir is not None and not keep_workdir:
                shutil.rmtree(self.workdir, ignore_errors=True)
            _LIVE.discard(self)


def start_stack(
    workdir: Path | None = None,
    *,
    kafka: bool = True,
    postgres: bool = True,
    topics: Iterable[TopicSpecLike] = (),
    kafka_jvm: Sequence[str] = JVM_FAST,
    durable: bool = False,
    timeout: float = DEFAULT_TIMEOUT_S,
    cache_dir: Path | None = None,
    env: Mapping[str, str] = os.environ,
) -> Stack:
    """Start what is asked for (external servers named in `env` are used instead) and wait."""
    specs = validate_specs(topics)
    external_kafka = env.get(KAFKA_ENV) if kafka else None
    external_db = env.get(DATABASE_ENV) if postgres else None
    need_kafka, need_pg = kafka and not external_kafka, postgres and not external_db
    stack = Stack(
        kafka_bootstrap=external_kafka, database_url=external_db, durable=durable,
        kafka_jvm=kafka_jvm,
    )  # fmt: skip
    if need_kafka or need_pg:
        stack.workdir = make_workdir(workdir)
        _register(stack)
    try:
        _start_servers(stack, need_kafka, need_pg, kafka_jvm, durable, timeout, cache_dir)
        if specs and stack.kafka_bootstrap is not None:
            bootstrap = stack.kafka_bootstrap
            run_coroutine(lambda: create_topics(bootstrap, specs))
    except DevstackError:
        # Keep the folder: the error message points at the logs inside it.
        stack.stop(keep_workdir=True)
        raise
    except BaseException:  # interrupted (Ctrl-C, SIGTERM) or a bug: leave nothing behind
        stack.stop()
        raise
    return stack


@contextmanager
def running(workdir: Path | None = None, **options: Any) -> Iterator[Stack]:
    """Start a stack for the duration of a `with` block (options as for `start_stack`)."""
    stack = start_stack(workdir, **options)
    try:
        yield stack
    finally:
        stack.stop()


def _start_servers(
    stack: Stack,
    need_kafka: bool,
    need_pg: bool,
    kafka_jvm: Sequence[str],
    durable: bool,
    timeout: float,
    cache_dir: Path | None,
) -> None:
    if stack.workdir is None:
        return
    started = time.monotonic()
    folder = stack.workdir
    # Preparation (Maven, format, initdb) runs in threads; the servers are spawned from this
    # thread, because a child's parent-death signal fires when the forking thread ends.
    with ThreadPoolExecutor(max_workers=2) as pool:
        kafka_ready: Future[Any] | None = None
        pg_ready: Future[Any] | None = None
        if need_kafka:
            kafka_ready = pool.submit(_prepare_kafka, folder / "kafka", cache_dir)
        if need_pg:
            pg_ready = pool.submit(prepare_postgres, folder / "postgres")
        prepared_kafka = kafka_ready.result() if kafka_ready else None
        prepared_pg = pg_ready.result() if pg_ready else None
    if prepared_pg is not None:
        stack.postgres_server = launch_postgres(prepared_pg, durable=durable)
        record_child(folder, stack.postgres_server.process.pid)
    if prepared_kafka is not None:
        stack.kafka_server = launch_kafka(prepared_kafka, kafka_jvm)
        record_child(folder, stack.kafka_server.process.pid)
    if stack.postgres_server is not None:
        wait_postgres_ready(stack.postgres_server, timeout)
        stack.database_url = stack.postgres_server.database_url
    if stack.kafka_server is not None:
        wait_kafka_ready(stack.kafka_server, timeout)
        stack.kafka_bootstrap = stack.kafka_server.bootstrap
    say(f"started in {time.monotonic() - started:.1f} s under {folder}")


def _prepare_kafka(folder: Path, cache_dir: Path | None) -> PreparedKafka:
    return prepare_kafka(folder, kafka_libs(cache_dir))


# Stacks still running, stopped at interpreter exit or on SIGTERM/SIGHUP.
_LIVE: set[Stack] = set()
_HOOKED = threading.Lock()
_hooks_installed = False


def _register(stack: Stack) -> None:
    global _hooks_installed
    _LIVE.add(stack)
    with _HOOKED:
        if _hooks_installed:
            return
        _hooks_installed = True
        atexit.register(stop_all)
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGHUP):
                # Only take over signals nobody else handles (a test runner or server may).
                if signal.getsignal(signum) is signal.SIG_DFL:
                    signal.signal(signum, _stop_then_die)


def stop_all() -> None:
    """Stop every stack this process started and has not stopped yet."""
    for stack in list(_LIVE):
        stack.stop()


def _stop_then_die(signum: int, frame: FrameType | None) -> None:
    stop_all()
    # Die of the same signal, so the parent sees the usual exit status.
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)

"""Outages of a service's dependencies (Postgres, Kafka): retried with backoff, never fatal.

Every loop of every service goes through here when a database or broker call fails for a
reason that can pass (refused, reset, "starting up", admin shutdown, too many connections,
a timeout): it waits with a capped, doubling backoff and tries again, and the outage is
recorded once for the whole process. ``/readyz`` answers 503 and names the dependency, since
when, and which loops wait on it; a gauge and a counter say the same to Prometheus; one log
line marks the start of an outage and one its end, not one per retry (docs/operations.md).
Only programming errors still end a process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from prometheus_client import Counter, Gauge

log = logging.getLogger(__name__)
T = TypeVar("T")
POSTGRES, KAFKA = "postgres", "kafka"
DEPENDENCIES = (POSTGRES, KAFKA)
FIRST_DELAY_S, MAX_DELAY_S = 0.1, 5.0


@dataclass(frozen=True)
class OutageMetrics:
    """``<service>_dependency_up{dependency}`` and ``<service>_dependency_retries_total``."""

    up: Gauge
    retries: Counter


def outage_metrics(service: str) -> tuple[Gauge, Counter]:
    """Define a service's outage metrics (call once per process, from its metrics module)."""
    up = Gauge(
        f"{service}_dependency_up",
        "1 while the dependency answers this service's loops and checks, 0 during an outage",
        ["dependency"],
        multiprocess_mode="livemin",
    )
    retries = Counter(
        f"{service}_dependency_retries_total",
        "Calls retried after a transient failure of the dependency",
        ["dependency"],
    )
    for name in DEPENDENCIES:
        up.labels(name).set(1)
        retries.labels(name)
    return up, retries


@dataclass
class _Outage:
    since: datetime
    started: float
    error: str
    loops: set[str] = field(default_factory=set)


class Outages:
    """The dependencies this process cannot reach right now, and the loops waiting on them."""

    def __init__(
        self, metrics: OutageMetrics | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._metrics = metrics
        self._clock = clock
        self._open: dict[str, _Outage] = {}

    def failed(self, dependency: str, loop: str, error: BaseException) -> None:
        """Record that ``loop`` could not reach ``dependency``; log only if it is news."""
        text = _describe(error)
        outage = self._open.get(dependency)
        if outage is None:
            outage = self._open[dependency] = _Outage(datetime.now(UTC), self._clock(), text)
            log.warning(
                "%s unreachable (%s, first seen by %s); retrying with backoff",
                dependency, text, loop, extra={"dependency": dependency},
            )  # fmt: skip
            if self._metrics is not None:
                self._metrics.up.labels(dependency).set(0)
        outage.error = text
        outage.loops.add(loop)
        if self._metrics is not None:
            self._metrics.retries.labels(dependency).inc()

    def recovered(self, dependency: str, loop: str) -> None:
        """Record that ``loop`` reached ``dependency``; the outage ends when no loop waits."""
        outage = self._open.get(dependency)
        if outage is None:
            return
        outage.loops.discard(loop)
        if outage.loops:
            return
        del self._open[dependency]
        log.warning(
            "%s reachable again after %.1f s",
            dependency, self._clock() - outage.started, extra={"dependency": dependency},
        )  # fmt: skip
        if self._metrics is not None:
            self._metrics.up.labels(dependency).set(1)

    def failing(self) -> bool:
        """Return whether any dependency is out."""
        return bool(self._open)

    def status(self) -> dict[str, dict[str, object]]:
        """Return, per dependency out, since when, the last error and the loops waiting."""
        return {
            name: {"since": o.since.isoformat(), "error": o.error, "loops": sorted(o.loops)}
            for name, o in sorted(self._open.items())
        }


def _describe(error: BaseException) -> str:
    # One line, bounded: errors from drivers can carry a whole server message.
    text = f"{type(error).__name__}: {error}".replace("\n", " ")
    return text if len(text) <= 300 else text[:299] + "…"


class Backoff:
    """Capped doubling delays: 0.1 s, 0.2 s, … up to 5 s; ``reset`` after a success."""

    def __init__(self, first: float = FIRST_DELAY_S, cap: float = MAX_DELAY_S) -> None:
        if not 0 < first <= cap:
            raise ValueError(f"backoff needs 0 < first <= cap, not first={first}, cap={cap}")
        self._first, self._cap = first, cap
        self._next = first

    def next(self) -> float:
        """Return the delay before the next try, and double the one after it."""
        delay = self._next
        self._next = min(self._next * 2, self._cap)
        return delay

    def reset(self) -> None:
        """Start again from the first delay."""
        self._next = self._first


async def pause(seconds: float, stop: asyncio.Event | None) -> None:
    """Sleep ``seconds``, or less if ``stop`` is set meanwhile."""
    if stop is None:
        await asyncio.sleep(seconds)
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def retrying(
    call: Callable[[], Awaitable[T]],
    *,
    outages: Outages,
    dependency: str,
    loop: str,
    errors: tuple[type[BaseException], ...],
    stop: asyncio.Event | None = None,
) -> T:
    """Await ``call`` until it succeeds, retrying ``errors`` with backoff.

    Once ``stop`` is set, the next failure is raised instead of retried, so a service that
    is asked to stop during an outage still stops.
    """
    backoff = Backoff()
    while True:
        try:
            result = await call()
        except errors as exc:
            outages.failed(dependency, loop, exc)
            if stop is not None and stop.is_set():
                raise
            await pause(backoff.next(), stop)
            continue
        outages.recovered(dependency, loop)
        return result


Check = Callable[[], Awaitable[None]]


async def watch(
    checks: Mapping[str, Check],
    outages: Outages,
    stop: asyncio.Event,
    interval: float = 1.0,
    limit: float = 3.0,
) -> None:
    """Run the readiness checks every ``interval`` and record what they find.

    A dependency that no loop is using at the moment (an idle broker, say) is still seen
    going out and coming back, so readiness and the gauge tell the truth between batches.
    """
    while not stop.is_set():
        await probe(checks, outages, limit)
        await pause(interval, stop)


async def probe(checks: Mapping[str, Check], outages: Outages, limit: float = 3.0) -> None:
    """Run each check once and record its outcome under the loop name ``readiness``."""

    async def one(name: str, check: Check) -> None:
        try:
            await asyncio.wait_for(check(), limit)
        except Exception as exc:  # noqa: BLE001  (any failure of a check is an outage of it)
            outages.failed(name, "readiness", exc)
        else:
            outages.recovered(name, "readiness")

    await asyncio.gather(*(one(name, check) for name, check in checks.items()))

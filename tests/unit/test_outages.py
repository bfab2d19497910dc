"""Outages of Postgres and Kafka: retried with backoff, reported once, shown in readiness."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from prometheus_client import CollectorRegistry, Counter, Gauge

from escalations.outages import (
    Backoff,
    OutageMetrics,
    Outages,
    probe,
    retrying,
)
from escalations.runtime import health_app


def metrics() -> OutageMetrics:
    """Return outage metrics in a registry of their own."""
    registry = CollectorRegistry()
    up = Gauge("t_dependency_up", "up", ["dependency"], registry=registry)
    retries = Counter("t_dependency_retries_total", "retries", ["dependency"], registry=registry)
    return OutageMetrics(up, retries)


def test_backoff_doubles_from_a_tenth_of_a_second_to_five_and_resets() -> None:
    """0.1, 0.2, 0.4 … capped at 5 s; a reset starts again from 0.1."""
    backoff = Backoff()
    delays = [backoff.next() for _ in range(8)]
    backoff.reset()
    assert ([0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0], 0.1) == (delays, backoff.next())


def test_backoff_refuses_a_first_delay_above_its_cap() -> None:
    """A first delay longer than the cap is a mistake and says so."""
    with pytest.raises(ValueError, match="first=6, cap=5"):
        Backoff(6, 5)


def test_an_outage_is_logged_once_when_it_starts_and_once_when_it_ends(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Ten failed retries from two loops give one line at the start and one at the end."""
    m = metrics()
    outages = Outages(m)
    caplog.set_level(logging.WARNING, logger="escalations.outages")
    for _ in range(5):
        outages.failed("postgres", "claim", OSError("connection refused"))
        outages.failed("postgres", "retry", OSError("connection refused"))
    during = (outages.failing(), m.up.labels("postgres")._value.get())
    outages.recovered("postgres", "claim")
    still = outages.failing()
    outages.recovered("postgres", "retry")
    lines = [r.getMessage() for r in caplog.records]
    assert ((True, 0.0), True, False) == (during, still, outages.failing())
    assert 2 == len(lines)
    assert lines[0].startswith("postgres unreachable (OSError: connection refused, first seen")
    assert lines[1].startswith("postgres reachable again after")
    assert (1.0, 10.0) == (
        m.up.labels("postgres")._value.get(),
        m.retries.labels("postgres")._value.get(),
    )


def test_status_names_the_dependency_since_when_the_last_error_and_the_loops() -> None:
    """Readiness shows each dependency out with its start, last error and waiting loops."""
    outages = Outages()
    outages.failed("kafka", "consume", TimeoutError("no broker"))
    outages.failed("kafka", "dlq", ConnectionResetError("reset"))
    status = outages.status()["kafka"]
    assert ("ConnectionResetError: reset", ["consume", "dlq"]) == (
        status["error"], status["loops"],
    )  # fmt: skip
    assert str(status["since"]).endswith("+00:00")


def test_hostile_error_text_is_one_bounded_line() -> None:
    """A driver error with newlines and kilobytes of text becomes one line of at most 300."""
    outages = Outages()
    outages.failed("postgres", "claim", OSError("<b>x</b>\n\x1b[31m" + "A" * 5000))
    error = str(outages.status()["postgres"]["error"])
    assert ("\n" not in error, 300) == (True, len(error))


def test_recovery_of_a_dependency_that_never_failed_changes_nothing() -> None:
    """A loop that reaches a healthy dependency reports nothing."""
    outages = Outages()
    outages.recovered("postgres", "claim")
    assert {} == outages.status()


async def test_retrying_retries_listed_errors_until_the_call_succeeds() -> None:
    """Two refused connections, then an answer: the answer is returned, the outage closed."""
    outages, calls = Outages(), []

    async def call() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionRefusedError("refused")
        return "done"

    result = await retrying(
        call, outages=outages, dependency="postgres", loop="claim", errors=(OSError,)
    )
    assert ("done", 3, False) == (result, len(calls), outages.failing())


async def test_retrying_lets_programming_errors_through_at_once() -> None:
    """An error that is not listed (a bug) is raised on the first try, not retried."""
    calls = []

    async def call() -> None:
        calls.append(1)
        raise KeyError("bug")

    with pytest.raises(KeyError):
        await retrying(
            call, outages=Outages(), dependency="postgres", loop="claim", errors=(OSError,)
        )
    assert 1 == len(calls)


async def test_retrying_gives_up_once_the_service_is_stopping() -> None:
    """With ``stop`` set, the next failure is raised instead of waited out."""
    stop = asyncio.Event()
    stop.set()

    async def call() -> None:
        raise OSError("down")

    with pytest.raises(OSError, match="down"):
        await retrying(
            call, outages=Outages(), dependency="postgres", loop="x", errors=(OSError,), stop=stop
        )


async def test_probe_records_failing_and_recovered_checks() -> None:
    """A check that raises or hangs is an outage; one that answers ends it."""
    outages = Outages()

    async def down() -> None:
        raise RuntimeError("topic has no partitions")

    async def hangs() -> None:
        await asyncio.sleep(10)

    async def fine() -> None:
        return None

    await probe({"kafka": down, "postgres": hangs}, outages, limit=0.05)
    first = sorted(outages.status())
    await probe({"kafka": fine, "postgres": fine}, outages)
    assert (["kafka", "postgres"], {}) == (first, outages.status())


async def test_readyz_is_503_and_names_the_outage_until_it_ends() -> None:
    """/readyz answers 503 with the outage while a loop cannot reach Postgres, then 200."""

    async def fine() -> None:
        return None

    outages = Outages()
    app = health_app({"postgres": fine}, outages=outages)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        outages.failed("postgres", "retry", OSError("the database system is starting up"))
        down = await client.get("/readyz")
        outages.recovered("postgres", "retry")
        up = await client.get("/readyz")
    body = down.json()
    assert (503, "not_ready", ["retry"]) == (
        down.status_code, body["status"], body["outages"]["postgres"]["loops"],
    )  # fmt: skip
    assert "starting up" in body["outages"]["postgres"]["error"]
    assert (200, {}) == (up.status_code, up.json()["outages"])

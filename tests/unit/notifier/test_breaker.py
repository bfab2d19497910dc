"""Circuit breakers per channel endpoint: closed, open, half-open, closed again."""

from __future__ import annotations

import pytest

from escalations_notifier.breaker import Breakers, State


class Clock:
    """A hand-driven monotonic clock."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _breakers(clock: Clock, changes: list[tuple[str, int]] | None = None) -> Breakers:
    def record(channel: str, count: int) -> None:
        if changes is not None:
            changes.append((channel, count))

    return Breakers(failures=3, open_seconds=10.0, clock=clock, on_change=record)


def test_opens_after_the_threshold_of_consecutive_failures() -> None:
    """Two failures keep it closed; the third opens it and sends must wait."""
    clock, changes = Clock(), []
    b = _breakers(clock, changes)
    for _ in range(2):
        b.failure("slack", "https://a")
    assert (State.CLOSED, None) == (b.state("slack", "https://a"), b.allow("slack", "https://a"))
    b.failure("slack", "https://a")
    assert (State.OPEN, 10.0) == (b.state("slack", "https://a"), b.allow("slack", "https://a"))
    assert [("slack", 1)] == changes


def test_a_success_resets_the_count() -> None:
    """Failures must be consecutive to open the breaker."""
    b = _breakers(Clock())
    for _ in range(2):
        b.failure("webhook", "h")
    b.success("webhook", "h")
    for _ in range(2):
        b.failure("webhook", "h")
    assert State.CLOSED == b.state("webhook", "h")


def test_half_open_lets_one_probe_through_and_closes_on_success() -> None:
    """After the open period one caller probes, others wait; success closes it."""
    clock, changes = Clock(), []
    b = _breakers(clock, changes)
    for _ in range(3):
        b.failure("pagerduty", "pd")
    clock.now += 10
    assert (None, State.HALF_OPEN) == (b.allow("pagerduty", "pd"), b.state("pagerduty", "pd"))
    assert 1.0 == b.allow("pagerduty", "pd")
    b.success("pagerduty", "pd")
    assert (State.CLOSED, None, 0) == (
        b.state("pagerduty", "pd"), b.allow("pagerduty", "pd"), b.open_count("pagerduty"),
    )  # fmt: skip
    assert [("pagerduty", 1), ("pagerduty", 0)] == changes


def test_failed_probe_reopens_for_twice_as_long() -> None:
    """A failing probe doubles the open period."""
    clock = Clock()
    b = _breakers(clock)
    for _ in range(3):
        b.failure("teams", "t")
    clock.now += 10
    assert b.allow("teams", "t") is None
    b.failure("teams", "t")
    assert (State.OPEN, 20.0) == (b.state("teams", "t"), b.allow("teams", "t"))


def test_endpoints_are_independent() -> None:
    """One dead webhook host does not stop deliveries to another."""
    b = _breakers(Clock())
    for _ in range(3):
        b.failure("webhook", "https://dead")
    assert (10.0, None, 1) == (
        b.allow("webhook", "https://dead"), b.allow("webhook", "https://alive"),
        b.open_count("webhook"),
    )  # fmt: skip


def test_the_open_period_is_capped_so_a_recovered_endpoint_is_probed_soon() -> None:
    """1 s, then 2, then 3, 3, 3: failed probes never push the next one past the cap."""
    clock = Clock()
    b = Breakers(failures=1, open_seconds=1.0, clock=clock, max_open_seconds=3.0)
    waits = []
    b.failure("webhook", "h")
    for _ in range(4):
        waits.append(b.allow("webhook", "h"))
        clock.now += 10
        assert b.allow("webhook", "h") is None  # the probe
        b.failure("webhook", "h")
    assert [1.0, 2.0, 3.0, 3.0] == waits


def test_success_says_whether_it_closed_a_circuit() -> None:
    """The probe's success reports the close (to wake waiting retries); a plain one does not."""
    clock = Clock()
    b = _breakers(clock)
    plain = b.success("webhook", "h")
    for _ in range(3):
        b.failure("webhook", "h")
    clock.now += 10
    b.allow("webhook", "h")
    assert (False, True, False) == (plain, b.success("webhook", "h"), b.success("webhook", "h"))


def test_a_cap_below_the_first_open_period_is_refused() -> None:
    """A longest open period shorter than the first one is a configuration mistake."""
    with pytest.raises(ValueError, match=r"longest open period \(2 s\) is shorter than its first"):
        Breakers(failures=1, open_seconds=5.0, max_open_seconds=2.0)

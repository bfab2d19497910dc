"""Circuit breakers per channel endpoint: closed, open, half-open, closed again."""

from __future__ import annotations

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

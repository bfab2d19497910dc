"""Token buckets per source: bursts, steady rate, Retry-After, and the worker split."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from escalations_intake.auth.rate_limit import TokenBuckets, retry_after


class Clock:
    """A hand-wound monotonic clock."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _buckets(rate: float, burst_seconds: float, workers: int = 1) -> tuple[TokenBuckets, Clock]:
    clock = Clock()
    return TokenBuckets(lambda _: rate, burst_seconds, workers, clock), clock


def test_burst_then_refusal_with_the_wait() -> None:
    """A full bucket allows rate x burst_seconds at once, then says how long to wait."""
    buckets, _ = _buckets(rate=2, burst_seconds=2)
    assert [None, None, None, None] == [buckets.take("a") for _ in range(4)]
    assert 0.5 == buckets.take("a")


def test_tokens_come_back_at_the_rate() -> None:
    """After waiting 1/rate seconds, one more request passes."""
    buckets, clock = _buckets(rate=10, burst_seconds=0.1)
    assert None is buckets.take("a")
    assert buckets.take("a") is not None
    clock.now += 0.1
    assert None is buckets.take("a")


def test_sources_have_their_own_buckets() -> None:
    """One source spending its bucket leaves another untouched."""
    buckets, _ = _buckets(rate=1, burst_seconds=1)
    buckets.take("noisy")
    assert (True, None) == (buckets.take("noisy") is not None, buckets.take("quiet"))


def test_workers_split_the_rate() -> None:
    """With 4 workers each one allows a quarter of the rate, and at least one token."""
    buckets, clock = _buckets(rate=4, burst_seconds=1, workers=4)
    assert None is buckets.take("a")
    assert 1.0 == buckets.take("a")
    clock.now += 1.0
    assert None is buckets.take("a")


def test_per_source_rates() -> None:
    """The rate comes from the per-source function."""
    clock = Clock()
    buckets = TokenBuckets(lambda s: 100 if s == "big" else 1, 1, 1, clock)
    passed = {s: sum(buckets.take(s) is None for _ in range(200)) for s in ("big", "small")}
    assert {"big": 100, "small": 1} == passed


@given(
    rate=st.floats(0.5, 200),
    burst=st.floats(0.1, 10),
    steps=st.lists(st.floats(0, 2), min_size=1, max_size=200),
)
def test_never_more_than_bucket_plus_rate_times_time(
    rate: float, burst: float, steps: list[float]
) -> None:
    """Over any request pattern, accepted <= bucket size + rate x elapsed time."""
    buckets, clock = _buckets(rate, burst)
    accepted = 0
    for step in steps:
        clock.now += step
        accepted += buckets.take("s") is None
    assert accepted <= max(1.0, rate * burst) + rate * clock.now + 1e-6


def test_retry_after_is_whole_seconds_at_least_one() -> None:
    """Retry-After rounds up and never says 0."""
    assert ["1", "1", "2", "10"] == [retry_after(s) for s in (0.0, 0.3, 1.2, 10.0)]

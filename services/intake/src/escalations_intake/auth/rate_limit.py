"""Per-source token buckets: ``rate`` requests a second, bursts of ``rate x burst_seconds``.

Buckets live in each worker process. With ``INTAKE_WORKERS=N`` every worker gets ``rate/N``
(and a bucket of at least 1 token): the kernel spreads connections over the workers, so the
limit of one intake instance is approximately the configured one. With several replicas
behind a load balancer, the limit of the whole deployment is ``replicas x rate``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """One token bucket per source."""

    def __init__(
        self,
        rate_for: Callable[[str], float],
        burst_seconds: float,
        workers: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rate_for = rate_for
        self._burst_seconds = burst_seconds
        self._workers = workers
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, source: str) -> float | None:
        """Take a token for ``source``: None if allowed, else seconds until one is available."""
        rate = self._rate_for(source) / self._workers
        size = max(1.0, rate * self._burst_seconds)
        now = self._clock()
        bucket = self._buckets.get(source)
        if bucket is None:
            bucket = self._buckets[source] = _Bucket(size, now)
        bucket.tokens = min(size, bucket.tokens + (now - bucket.updated) * rate)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return (1.0 - bucket.tokens) / rate


def retry_after(seconds: float) -> str:
    """Return a Retry-After header value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))

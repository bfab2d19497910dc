"""Circuit breakers, one per channel endpoint: closed -> open -> half-open -> closed.

While a breaker is open no message is sent to its endpoint: deliveries are handed to the
ledger's retry queue to wait, instead of hammering a server that is down. After the open
period one probe goes through (half-open); its success closes the breaker, its failure
opens it again for twice as long, up to ``max_open_seconds``. That cap is the longest a
recovered endpoint waits before a probe finds it back (docs/notifier.md, "Recovery within
seconds": with the defaults, 1 s doubling to 3 s), and ``success`` reports the close so
that the messages waiting for the endpoint are made due at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

MAX_BACKOFF = 8


class State(StrEnum):
    """Where a breaker is."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass
class _Breaker:
    state: State = State.CLOSED
    failures: int = 0
    open_until: float = 0.0
    open_for: float = 0.0


class Breakers:
    """All breakers of one notifier process, keyed by (channel, endpoint)."""

    def __init__(
        self,
        failures: int,
        open_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[str, int], None] | None = None,
        max_open_seconds: float | None = None,
    ) -> None:
        self._threshold = failures
        self._open_seconds = open_seconds
        self._max_open = (
            open_seconds * MAX_BACKOFF if max_open_seconds is None else max_open_seconds
        )
        if self._max_open < open_seconds:
            raise ValueError(
                f"a breaker's longest open period ({self._max_open:g} s) is shorter "
                f"than its first ({open_seconds:g} s)"
            )
        self._clock = clock
        self._on_change = on_change
        self._breakers: dict[tuple[str, str], _Breaker] = {}

    def state(self, channel: str, endpoint: str) -> State:
        """Return the state of one breaker."""
        return self._breakers.get((channel, endpoint), _Breaker()).state

    def allow(self, channel: str, endpoint: str) -> float | None:
        """Return None if a send may go now, else the seconds to wait before trying again."""
        breaker = self._breakers.get((channel, endpoint))
        if breaker is None or breaker.state is State.CLOSED:
            return None
        now = self._clock()
        if breaker.state is State.OPEN and now >= breaker.open_until:
            breaker.state = State.HALF_OPEN  # this caller is the probe
            return None
        # Open, or half-open with the probe in flight: come back when the probe has answered.
        return max(breaker.open_until - now, min(1.0, self._open_seconds))

    def success(self, channel: str, endpoint: str) -> bool:
        """Record a delivered message: the breaker closes; return whether it was not closed."""
        breaker = self._breakers.get((channel, endpoint))
        if breaker is None:
            return False
        was_open = breaker.state is not State.CLOSED
        breaker.state, breaker.failures, breaker.open_for = State.CLOSED, 0, 0.0
        if was_open:
            self._changed(channel)
        return was_open

    def failure(self, channel: str, endpoint: str) -> None:
        """Record a failure the endpoint is to blame for; open after enough in a row."""
        breaker = self._breakers.setdefault((channel, endpoint), _Breaker())
        breaker.failures += 1
        if breaker.state is State.HALF_OPEN:
            breaker.open_for = min(breaker.open_for * 2, self._max_open)
        elif breaker.state is State.CLOSED and breaker.failures >= self._threshold:
            breaker.open_for = min(self._open_seconds, self._max_open)
        else:
            return
        breaker.state = State.OPEN
        breaker.open_until = self._clock() + breaker.open_for
        self._changed(channel)

    def open_count(self, channel: str) -> int:
        """Return how many of a channel's endpoints are not closed."""
        states = [b.state for (name, _), b in self._breakers.items() if name == channel]
        return sum(1 for state in states if state is not State.CLOSED)

    def _changed(self, channel: str) -> None:
        if self._on_change is not None:
            self._on_change(channel, self.open_count(channel))

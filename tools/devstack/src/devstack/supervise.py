"""`make run` keeps its processes up: a crashed one is restarted with backoff, and says so.

This is what `restart: unless-stopped` in compose or a Kubernetes Deployment does for the
services in production. The policy is plain data and a pure function, so it is unit-tested
without processes; `Supervisor` is the thin loop around it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from devstack.procs import DevstackError


@dataclass(frozen=True)
class RestartPolicy:
    """How long to wait before restarting a crashed process."""

    first_delay: float = 1.0
    max_delay: float = 30.0
    # A process that ran at least this long before it crashed starts again from first_delay.
    stable_after: float = 60.0


def restart_delay(policy: RestartPolicy, crashes_in_a_row: int) -> float:
    """Return the wait before restart number ``crashes_in_a_row`` (1, 2, 4, ... capped)."""
    if crashes_in_a_row < 1:
        raise ValueError(f"crashes_in_a_row counts from 1, got {crashes_in_a_row}")
    exponent = min(crashes_in_a_row - 1, 30)  # no float overflow for a long crash loop
    return float(min(policy.first_delay * 2**exponent, policy.max_delay))


def crashes_in_a_row(policy: RestartPolicy, previous: int, ran_for: float) -> int:
    """Return the crash count after one more crash of a process that ran ``ran_for`` s."""
    return 1 if ran_for >= policy.stable_after else previous + 1


@dataclass
class Watched:
    """One supervised thing: how to see that it is up, and how to start it again."""

    name: str
    is_running: Callable[[], bool]
    restart: Callable[[], None]
    started_at: float = field(default_factory=time.monotonic)
    crashes: int = 0
    restart_at: float | None = None


def say(message: str) -> None:
    """Print one supervision line where `make run`'s user sees it."""
    print(f"make run: {message}", file=sys.stderr, flush=True)


@dataclass
class Supervisor:
    """Restart what crashed, with backoff; call `check` from the run loop."""

    policy: RestartPolicy = field(default_factory=RestartPolicy)
    watched: list[Watched] = field(default_factory=list)
    clock: Callable[[], float] = time.monotonic

    def watch(self, name: str, is_running: Callable[[], bool], restart: Callable[[], None]) -> None:
        """Supervise ``name`` from now on."""
        self.watched.append(Watched(name, is_running, restart, started_at=self.clock()))

    def check(self) -> None:
        """Notice crashes, and restart what is due; a failed restart is tried again later."""
        now = self.clock()
        for item in self.watched:
            if item.restart_at is None:
                if item.is_running():
                    continue
                item.crashes = crashes_in_a_row(self.policy, item.crashes, now - item.started_at)
                delay = restart_delay(self.policy, item.crashes)
                item.restart_at = now + delay
                say(f"{item.name} stopped unexpectedly; restarting it in {delay:g} s")
            elif now >= item.restart_at:
                self._restart(item, now)

    def _restart(self, item: Watched, now: float) -> None:
        try:
            item.restart()
        except (DevstackError, OSError) as exc:  # retried with backoff, and said
            item.crashes += 1
            delay = restart_delay(self.policy, item.crashes)
            item.restart_at = self.clock() + delay
            say(f"{item.name} did not start again ({exc}); next try in {delay:g} s")
            return
        item.started_at, item.restart_at = now, None
        say(f"{item.name} restarted")

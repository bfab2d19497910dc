"""Per-person assignment load (round robin and the wellbeing cap), shared by all routers.

``LoadBook`` is the in-memory view of the people a batch may assign, loaded and locked at
the start of the batch's transaction (``postgres.people``) and written back at its end.
Every assignment in the batch updates it, so the second escalation of a batch already sees
the first. No I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta

from escalations.core.assignment import PersonHistory

# Exposure only matters against the cap (single digits); keep a bounded tail of stamps.
MAX_STAMPS = 100


class LoadBook:
    """What assignment remembers about each person in play, with the changes to write."""

    def __init__(self, history: Mapping[str, PersonHistory], window: timedelta) -> None:
        self.history: dict[str, PersonHistory] = dict(history)
        self.window = window
        self.changed: set[str] = set()
        self.assigned_now: Counter[str] = Counter()

    def assigned(self, person: str, at: datetime, *, graphic: bool) -> None:
        """Record that ``person`` was given an escalation at ``at``."""
        known = self.history.get(person, PersonHistory())
        # The same bounded tail the row keeps: a batch of graphic escalations must not make
        # every later exposure count in it walk an ever longer list.
        stamps = (*known.graphic_at, at)[-MAX_STAMPS:] if graphic else known.graphic_at
        self.history[person] = PersonHistory(
            last_assigned_at=at, open_count=known.open_count + 1, graphic_at=stamps
        )
        self.changed.add(person)
        self.assigned_now[person] += 1

    def exposed(self, person: str, at: datetime) -> None:
        """Record that ``person`` saw sensitive content at ``at`` (a reveal): one more stamp.

        It counts against the wellbeing cap like a graphic assignment, without being one.
        """
        known = self.history.get(person, PersonHistory())
        self.history[person] = PersonHistory(
            last_assigned_at=known.last_assigned_at,
            open_count=known.open_count,
            graphic_at=(*known.graphic_at, at)[-MAX_STAMPS:],
        )
        self.changed.add(person)

    def closed(self, person: str | None) -> None:
        """Record that one of ``person``'s open escalations was resolved or taken away."""
        if person is None:
            return
        known = self.history.get(person, PersonHistory())
        self.history[person] = PersonHistory(
            last_assigned_at=known.last_assigned_at,
            open_count=max(0, known.open_count - 1),
            graphic_at=known.graphic_at,
        )
        self.changed.add(person)

    def committed(self, now: datetime) -> dict[str, PersonHistory]:
        """Return the changed people as ``lock_people`` will read them once ``rows`` commit."""
        since = now - self.window
        return {
            person: PersonHistory(
                last_assigned_at=self.history[person].last_assigned_at,
                open_count=self.history[person].open_count,
                # What ``rows`` writes, without the text round trip (equal instants).
                graphic_at=_recent(self.history[person].graphic_at, since),
            )
            for person in self.changed
        }

    def rows(self, now: datetime) -> list[dict[str, object]]:
        """Return the changed people as parameter rows, graphic stamps trimmed to the window."""
        since = now - self.window
        return [
            {
                "p": person,
                "last": self.history[person].last_assigned_at,
                "open": self.history[person].open_count,
                "added": self.assigned_now[person],
                # Written by orjson as ``isoformat`` writes them, without a call per stamp.
                "graphic": _recent(self.history[person].graphic_at, since),
                "now": now,
            }
            for person in sorted(self.changed)
        ]


def _recent(stamps: tuple[datetime, ...], since: datetime) -> tuple[datetime, ...]:
    """Return the stamps inside the window, at most the last ``MAX_STAMPS``."""
    if not stamps or min(stamps) > since:  # all inside (a busy person): no filtering
        return stamps[-MAX_STAMPS:]
    return tuple(s for s in stamps if s > since)[-MAX_STAMPS:]

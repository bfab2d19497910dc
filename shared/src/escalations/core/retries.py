"""Is this report a client's retry of one already taken, or a new report?

A ``503`` from the intake means "not confirmed": the event may have been stored anyway, and
a client that retries it sends the same report again. The intake stamps every report with
a fingerprint of its source and body; the router keeps the fingerprints an escalation saw
lately (``Seen``) and does not count a report whose fingerprint it saw within the retry
window of the report's own instant. The window slides: every attempt, counted or not,
restarts it, so a client retrying through a long outage is never counted again, while the
same body after a quiet window is a new report (docs/refires-and-retries.md, "Retried
reports").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

# How many fingerprints an escalation remembers: a retry is of one of the latest reports.
LIMIT = 32


@dataclass(frozen=True, slots=True)
class Seen:
    """A report fingerprint and the latest instant a report with it arrived at the intake."""

    fingerprint: str
    at: datetime


def retry_of(
    seen: Sequence[Seen], fingerprint: str | None, at: datetime, window: timedelta
) -> Seen | None:
    """Return the earlier report that a report at ``at`` retries, or None if it is new.

    No fingerprint (an event from before fingerprints existed) is always a new report.
    Reports may be applied out of order, so the window counts both ways.
    """
    if fingerprint is None:
        return None
    for entry in reversed(seen):
        if entry.fingerprint == fingerprint and abs(at - entry.at) <= window:
            return entry
    return None


def remember(
    seen: Iterable[Seen],
    fingerprint: str | None,
    at: datetime,
    window: timedelta,
    limit: int = LIMIT,
) -> tuple[Seen, ...]:
    """Return what to remember after a report at ``at``: its fingerprint, newest last.

    Entries out of the window of ``at`` are dropped (they can no longer match a report
    arriving now), one entry is kept per fingerprint (its latest instant), at most ``limit``.
    """
    kept, latest = [], at
    for entry in seen:
        if entry.fingerprint == fingerprint:
            latest = max(latest, entry.at)
        elif abs(at - entry.at) <= window:
            kept.append(entry)
    if fingerprint is not None:
        kept.append(Seen(fingerprint, latest))
    kept.sort(key=lambda entry: entry.at)
    return tuple(kept[-limit:])

"""Retried reports on the escalation: the fingerprints an escalation saw lately, and the check.

The rule is the core's (``escalations.core.retries``); this module reads and writes the
record's ``report_fingerprints`` (``[[fingerprint, ISO instant], ...]``) around it.
The router holds the row lock while it checks, so two copies of one report applied by two
routers cannot both count (docs/refires-and-retries.md, "Retried reports").
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from escalations.contracts.events import EscalationReceived
from escalations.core.retries import Seen, remember, retry_of
from escalations_router.domain.records import Escalation

# The retry window's default (``ROUTER_RETRY_WINDOW_SECONDS``).
RETRY_WINDOW = timedelta(minutes=10)


def seen_of(stored: list[Any] | None) -> tuple[Seen, ...]:
    """Return the fingerprints a row holds (none for a row from before the column)."""
    return tuple(Seen(str(fp), datetime.fromisoformat(str(at))) for fp, at in stored or ())


def stored(seen: tuple[Seen, ...]) -> list[list[str]] | None:
    """Return the column's value for these fingerprints."""
    return [[entry.fingerprint, entry.at.isoformat()] for entry in seen] or None


def first(event: EscalationReceived) -> list[list[str]] | None:
    """Return the column's value of a new escalation: its first report's fingerprint."""
    if event.fingerprint is None:
        return None
    return [[event.fingerprint, event.received_at.isoformat()]]


def note(row: Escalation, event: EscalationReceived, window: timedelta) -> Seen | None:
    """Remember a report on its escalation; return the earlier one it retries, or None.

    Each report's instant is when the intake received it, so a backlog in the router
    after an outage does not stretch or shrink the window.
    """
    if event.fingerprint is None:
        return None
    seen = seen_of(row.report_fingerprints)
    earlier = retry_of(seen, event.fingerprint, event.received_at, window)
    row.report_fingerprints = stored(remember(seen, event.fingerprint, event.received_at, window))
    return earlier


def instant(at: datetime) -> str:
    """Return an instant as history reasons write it (UTC, to the second)."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

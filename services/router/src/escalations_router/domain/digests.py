"""When a lead's daily digest is due: once per local day, at the configured local time. No I/O.

The digest goes at ``stakeholders.digest.at`` in the lead's own time zone, over the 24 hours
before that instant. It is due from that instant until the end of the same local day: a
router that was down at the instant sends it when it is back the same day, never a day's
digest on the next (docs/router.md, "Stakeholders: reminders, handoffs, digests").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from escalations.core.config_types import clock_minutes, zone
from escalations.core.rotation import local_day, wall

PERIOD = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class DigestSlot:
    """A digest due: its local day, and the period it covers, ``[start, end)``."""

    day: date
    start: datetime
    end: datetime


def digest_due(timezone: str, clock: str, now: datetime) -> DigestSlot | None:
    """Return today's digest (in ``timezone``) if ``now`` is at or past its local time."""
    tz = zone(timezone)
    day = local_day(tz, now)
    # "24:00" would be the next day's midnight, never inside today: read it as 23:59.
    end = wall(day, min(clock_minutes(clock), 1439), tz)
    if now < end:
        return None
    return DigestSlot(day, end - PERIOD, end)

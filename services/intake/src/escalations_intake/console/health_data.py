"""Team health figures, as pure functions over plain rows (docs/console.md, "Team health").

* Open load: escalations of the team that are not resolved, per owner.
* Graphic exposure: the graphic escalations given to a person within the wellbeing window
  (``router_person_load.graphic_at``), against the configured cap, as the router's
  assignment counts them (docs/contract/priority-and-assignment.md, "Assignment").
* Pages: the pager deliveries a person was sent in the last 7 days, each classified in the
  person's own time zone as night (22:00-07:00 local), weekend (Saturday, Sunday) and
  holiday (a public holiday of the team's calendars); a page may be several at once.
* SLA compliance per tier: of the escalations received in the period whose deadline has
  passed or that were acted on, the share acknowledged by ``acknowledge_by`` and resolved
  by ``resolve_by``; ones still within their deadline are not counted yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from escalations.core.access import PersonRoles
from escalations.core.config import Config
from escalations.core.config_team import Team
from escalations.core.config_types import holiday_dates
from escalations.core.escalation import Tier

NIGHT_STARTS = time(22, 0)
NIGHT_ENDS = time(7, 0)
WEEKEND = frozenset({5, 6})  # Saturday, Sunday (date.weekday())
TEAM_CALENDAR = "team"
PERIODS = (7, 30)


def may_see_health(roles: PersonRoles, team: str) -> bool:
    """Return whether a person sees a team's health: its leads and admins only."""
    return roles.admin or team in roles.leads


def health_teams(config: Config, roles: PersonRoles) -> list[str]:
    """Return the teams whose health the person may see, in configuration order."""
    return [team.id for team in config.teams if may_see_health(roles, team.id)]


def team_people(team: Team) -> list[str]:
    """Return everyone on the team's schedule, then its leads not on it, sorted."""
    return sorted(team.members()) + sorted(team.leaders() - team.members())


def calendars_of(team: Team, person: str) -> frozenset[str]:
    """Return the holiday calendars that count for ``person`` on ``team``.

    The team's own calendar, and that of every layer the person is on (a layer's
    ``holidays: team`` means the team's calendar).
    """
    found: set[str | None] = {team.holidays}
    for layer in team.schedule.layers:
        code = layer.holidays
        if code and person in layer.members:
            found.add(team.holidays if code == TEAM_CALENDAR else code)
    return frozenset(code for code in found if code)


def is_holiday(day: date, calendars: Iterable[str]) -> bool:
    """Return whether ``day`` is a public holiday in any of ``calendars``."""
    return any(day in holiday_dates(code, day.year) for code in calendars)


def page_kinds(at: datetime, zone: ZoneInfo, calendars: Iterable[str]) -> frozenset[str]:
    """Return which of night, weekend and holiday an instant is, in the person's zone."""
    if at.utcoffset() is None:
        raise ValueError("a page instant needs a time zone")
    local = at.astimezone(zone)
    kinds = set()
    if local.time() >= NIGHT_STARTS or local.time() < NIGHT_ENDS:
        kinds.add("night")
    if local.weekday() in WEEKEND:
        kinds.add("weekend")
    if is_holiday(local.date(), calendars):
        kinds.add("holiday")
    return frozenset(kinds)


@dataclass(frozen=True, slots=True)
class PageCount:
    """One person's pages in the period, and how many fell at night, weekend, holiday."""

    person: str
    total: int = 0
    night: int = 0
    weekend: int = 0
    holiday: int = 0


def count_pages(
    pages: Iterable[tuple[str, datetime]],
    people: Sequence[str],
    zones: Mapping[str, ZoneInfo],
    calendars: Mapping[str, frozenset[str]],
) -> list[PageCount]:
    """Return each person's page counts from ``(recipient, instant)`` rows; others ignored."""
    counts = {person: {"total": 0, "night": 0, "weekend": 0, "holiday": 0} for person in people}
    for recipient, at in pages:
        if recipient not in counts:
            continue
        counts[recipient]["total"] += 1
        for kind in page_kinds(at, zones[recipient], calendars.get(recipient, frozenset())):
            counts[recipient][kind] += 1
    return [PageCount(person, **counts[person]) for person in people]


def exposure(graphic_at: Iterable[datetime], now: datetime, window: timedelta) -> int:
    """Return the graphic escalations within the window ending at ``now`` (as assignment)."""
    since = now - window
    return sum(1 for stamp in graphic_at if since < stamp <= now)


def open_load(owners: Mapping[str, int], people: Sequence[str]) -> list[tuple[str, int]]:
    """Return each person's open escalations, then any other owner of the team's ones."""
    others = sorted(owner for owner in owners if owner not in people)
    return [(person, owners.get(person, 0)) for person in (*people, *others)]


@dataclass(frozen=True, slots=True)
class SlaRow:
    """What SLA compliance reads of one escalation."""

    tier: str
    received_at: datetime
    acknowledge_by: datetime | None
    acknowledged_at: datetime | None
    resolve_by: datetime | None
    resolved_at: datetime | None


@dataclass(frozen=True, slots=True)
class Compliance:
    """Deadlines met out of those decided, for one tier and period."""

    tier: str
    days: int
    acknowledged_met: int = 0
    acknowledged_due: int = 0
    resolved_met: int = 0
    resolved_due: int = 0

    @property
    def acknowledged_share(self) -> float | None:
        """The share acknowledged in time (None when nothing was due)."""
        return _share(self.acknowledged_met, self.acknowledged_due)

    @property
    def resolved_share(self) -> float | None:
        """The share resolved in time (None when nothing was due)."""
        return _share(self.resolved_met, self.resolved_due)


def _share(met: int, due: int) -> float | None:
    return met / due if due else None


def _verdict(by: datetime | None, done: datetime | None, now: datetime) -> bool | None:
    """Return whether a deadline was met, missed, or None while it may still be met."""
    if by is None:
        return None
    if done is not None:
        return done <= by
    return False if by < now else None


def compliance(rows: Iterable[SlaRow], now: datetime, days: int) -> list[Compliance]:
    """Return compliance per tier (P0..P4) of the rows received in the last ``days`` days."""
    since = now - timedelta(days=days)
    tally = {tier.value: [0, 0, 0, 0] for tier in Tier}
    for row in rows:
        if not since <= row.received_at <= now or row.tier not in tally:
            continue
        counts = tally[row.tier]
        for offset, verdict in (
            (0, _verdict(row.acknowledge_by, row.acknowledged_at, now)),
            (2, _verdict(row.resolve_by, row.resolved_at, now)),
        ):
            if verdict is not None:
                counts[offset] += int(verdict)
                counts[offset + 1] += 1
    return [Compliance(tier, days, *counts) for tier, counts in tally.items()]

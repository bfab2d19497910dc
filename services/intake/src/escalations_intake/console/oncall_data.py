"""Load what the on-call page shows: stored overrides, time off and feeds (thin I/O).

Reads what the API's schedule routes read (``db/schedules.py``, ``db/feeds.py``) and hands
plain data to the pure builders (``oncall_week``, ``oncall_now``). Who may change what is
decided here from the API's pure rules (``auth/access_rules.py``: ``on_team`` for a team's
overrides and feeds, ``on_person`` for time off and personal feeds) plus the credential's
``schedules:write`` scope, so the page shows exactly the forms the server accepts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from escalations.core.access import Action
from escalations.core.config import Config
from escalations.core.config_schedule import Override, TimeOff
from escalations.db.models import OverrideRow, TimeOffRow
from escalations.db.models_schedule import CalendarFeedRow
from escalations_intake.auth.access_rules import Refusal, on_person, on_team
from escalations_intake.auth.principal import Scope
from escalations_intake.console.people import ConsolePerson
from escalations_intake.db import Sessions
from escalations_intake.db import feeds as feed_store
from escalations_intake.db.schedules import override_rows, time_off_rows, windows


@dataclass(frozen=True, slots=True)
class Item:
    """A stored override or time off the page lists, with whether the person may cancel it."""

    id: str
    person: str
    name: str
    start: str
    end: str
    start_iso: str
    end_iso: str
    reason: str | None
    cancellable: bool


@dataclass(frozen=True, slots=True)
class FeedItem:
    """A live calendar feed (its secret is never shown again)."""

    id: str
    description: str | None
    created_by: str
    created: str


def local_text(at: datetime, tz: ZoneInfo) -> str:
    """Return an instant as the page writes it: ``Mon 23 Mar 2026 09:00 GMT``."""
    local = at.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M %Z}"


def refusal_on_team(person: ConsolePerson, team: str) -> Refusal | None:
    """Return why the person may not change the team's overrides or feeds, or None."""
    refusal = on_team(person.roles, Action.SCHEDULES_WRITE, team)
    if refusal is None and Scope.SCHEDULES not in person.principal.scopes:
        return Refusal(403, f"'{person.person}' may only read here (no schedules:write)")
    return refusal


def refusal_on_person(person: ConsolePerson, whom: str) -> Refusal | None:
    """Return why the person may not change ``whom``'s time off or feeds, or None."""
    refusal = on_person(person.config, person.roles, Action.SCHEDULES_WRITE, whom)
    if refusal is None and Scope.SCHEDULES not in person.principal.scopes:
        return Refusal(403, f"'{person.person}' may only read here (no schedules:write)")
    return refusal


async def stored_windows(
    sessions: Sessions, config: Config, start: datetime, end: datetime
) -> tuple[list[Override], list[TimeOff]]:
    """Return the runtime overrides and time off overlapping [start, end), as the API reads."""
    return await windows(sessions, config, start, end)


def _item(row: OverrideRow | TimeOffRow, config: Config, tz: ZoneInfo, allowed: bool) -> Item:
    names = config.people_by_id
    return Item(
        id=row.id,
        person=row.person,
        name=names[row.person].name if row.person in names else row.person,
        start=local_text(row.start_at, tz),
        end=local_text(row.end_at, tz),
        start_iso=row.start_at.isoformat(),
        end_iso=row.end_at.isoformat(),
        reason=row.reason if isinstance(row, TimeOffRow) else None,
        cancellable=allowed,
    )


async def team_overrides(
    sessions: Sessions, person: ConsolePerson, team: str, now: datetime, tz: ZoneInfo
) -> list[Item]:
    """Return the team's current and future overrides, cancellable by its leads."""
    allowed = refusal_on_team(person, team) is None
    rows = await override_rows(sessions, team, now, None)
    return [_item(row, person.config, tz, allowed) for row in rows]


async def team_time_off(
    sessions: Sessions, person: ConsolePerson, people: list[str], now: datetime, tz: ZoneInfo
) -> list[Item]:
    """Return the current and future time off of ``people`` (the person's own first)."""
    found: list[Item] = []
    for whom in people:
        allowed = refusal_on_person(person, whom) is None
        rows = await time_off_rows(sessions, whom, now, None)
        found += [_item(row, person.config, tz, allowed) for row in rows]
    return found


async def live_feeds(
    sessions: Sessions, kind: feed_store.FeedKind, owner: str, tz: ZoneInfo
) -> list[FeedItem]:
    """Return the live feeds of a team or a person, newest first (revoked ones left out)."""
    rows: list[CalendarFeedRow] = await feed_store.listed(sessions, kind, owner)
    return [
        FeedItem(row.id, row.description, row.created_by, local_text(row.created_at, tz))
        for row in rows
        if row.revoked_at is None
    ]

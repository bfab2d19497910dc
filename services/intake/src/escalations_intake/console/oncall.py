"""The on-call page ``/console/oncall``: now and next, a week calendar, my shifts, changes.

Who is on duty now and next per team and level (``oncall_now``, the resolver behind
``GET /v1/oncall``), the selected team's week (``?team=&week=2026-W12`` or a start date:
``oncall_week``), the person's next 14 days of shifts across teams, the stored overrides and
time off with add and cancel forms (``oncall_actions``), and calendar feed links
(docs/console.md, "On call"). Overrides and time off are read from Postgres as the API reads
them; every time is written in the zone it belongs to (the team's, or the person's own).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from escalations.core.config import Config
from escalations.core.config_schedule import Override, TimeOff
from escalations.core.config_types import zone
from escalations.core.shifts import person_shifts
from escalations_intake.console.oncall_data import (
    live_feeds,
    local_text,
    refusal_on_person,
    refusal_on_team,
    stored_windows,
    team_overrides,
    team_time_off,
)
from escalations_intake.console.oncall_now import now_and_next, shift_views
from escalations_intake.console.oncall_week import (
    WeekError,
    build_week,
    team_zone,
    week_name,
    week_start,
    week_window,
)
from escalations_intake.console.people import ConsolePerson, Person
from escalations_intake.console.render import error_page, page
from escalations_intake.db import Sessions
from escalations_intake.http.deps import SessionsDep

router = APIRouter(prefix="/console", include_in_schema=False)
Param = Annotated[str | None, Query()]
MY_SHIFTS = timedelta(days=14)
DONE = {
    "override_added": "Override sent: the router records it in a moment.",
    "override_cancelled": "Override cancel sent: the router applies it in a moment.",
    "time_off_added": "Time off sent: the router records it in a moment.",
    "time_off_cancelled": "Time off cancel sent: the router applies it in a moment.",
}


def default_team(person: ConsolePerson) -> str:
    """Return the team the page opens on: one the person is on or leads, else the first."""
    mine = sorted(person.roles.teams | person.roles.leads)
    return mine[0] if mine else person.config.teams[0].id


def page_path(team: str, week: str | None = None) -> str:
    """Return the page's path for a team (and week), as forms post back to it."""
    query = {"team": team, **({"week": week} if week else {})}
    return f"/console/oncall?{urlencode(query)}"


def now_view(
    config: Config, at: datetime, overrides: list[Override], time_off: list[TimeOff]
) -> list[dict[str, Any]]:
    """Return who each team's levels page now and next, times in each team's zone."""
    found = []
    for team in config.teams:
        tz = zone(team_zone(team))
        levels = now_and_next(config, team.id, at, overrides=overrides, time_off=time_off)
        found.append(
            {
                "id": team.id,
                "name": team.name,
                "levels": [
                    {
                        "level": lv.level,
                        "now": [
                            {"name": p.name, "layer": p.layer or p.target,
                             "until": local_text(p.until, tz) if p.until else None}
                            for p in lv.now
                        ],
                        "next": [p.name for p in lv.next],
                        "handover": local_text(lv.handover, tz) if lv.handover else None,
                        "handover_iso": lv.handover.isoformat() if lv.handover else None,
                    }
                    for lv in levels
                ],
            }
        )  # fmt: skip
    return found


def my_shifts_view(
    person: ConsolePerson, at: datetime, overrides: list[Override], time_off: list[TimeOff]
) -> list[dict[str, Any]]:
    """Return the person's shifts in the next 14 days, in their own time zone."""
    config = person.config
    tz = zone(config.people_by_id[person.person].timezone)
    found = person_shifts(
        config, person.person, at, at + MY_SHIFTS, overrides=overrides, time_off=time_off
    )
    names = config.people_by_id
    return [
        {
            "team": config.teams_by_id[s.team].name,
            "layer": s.layer,
            "start": local_text(s.start, tz),
            "end": local_text(s.end, tz),
            "start_iso": s.start.isoformat(),
            "end_iso": s.end.isoformat(),
            "covering": names[s.covering].name if s.covering in names else s.covering,
            "current": s.current,
        }
        for s in shift_views(found, at)
    ]


async def render_oncall(
    request: Request,
    person: ConsolePerson,
    sessions: Sessions,
    team: str,
    week: str | None,
    *,
    notice: str | None = None,
    error: str | None = None,
    status: int = 200,
    form: Mapping[str, Any] | None = None,
    created_feed: str | None = None,
) -> HTMLResponse:
    """Render the page for ``team`` and ``week`` (also after a refused form: ``error``)."""
    config, now = person.config, datetime.now(UTC)
    tz = zone(team_zone(config.team(team)))
    try:
        start = week_start(week, now.astimezone(tz).date())
    except WeekError as exc:
        error, status = str(exc), 400
        start = week_start(None, now.astimezone(tz).date())
    first, last = week_window(start, tz)
    overrides, time_off = await stored_windows(
        sessions, config, min(first, now), max(last, now + MY_SHIFTS)
    )
    members = sorted(config.team(team).members() | {person.person})
    may_time_off = {whom for whom in members if refusal_on_person(person, whom) is None}
    people = [(p.id, p.name) for p in sorted(config.people, key=lambda p: p.name)]
    context = {
        "title": "On call",
        "active": "oncall",
        "notice": notice,
        "error": error,
        "team": team,
        "team_name": config.team(team).name,
        "teams": [(t.id, t.name) for t in config.teams],
        "zone": team_zone(config.team(team)),
        "my_zone": config.people_by_id[person.person].timezone,
        "now": now_view(config, now, overrides, time_off),
        "week": build_week(config, team, start, overrides=overrides, time_off=time_off),
        "week_label": _week_label(start),
        "week_param": week_name(start),
        "back": page_path(team, week_name(start)),
        "my_shifts": my_shifts_view(person, now, overrides, time_off),
        "overrides": await team_overrides(sessions, person, team, now, tz),
        "time_off": await team_time_off(sessions, person, members, now, tz),
        "may_override": refusal_on_team(person, team) is None,
        "people": people,
        "time_off_people": [(i, n) for i, n in people if i in may_time_off],
        "me": person.person,
        "form": {"kind": None, "values": {}, "field": None, **(form or {})},
        "my_feeds": await live_feeds(sessions, "person", person.person, tz),
        "team_feeds": await live_feeds(sessions, "team", team, tz),
        "may_feed_me": refusal_on_person(person, person.person) is None,
        "may_feed_team": refusal_on_team(person, team) is None,
        "created_feed": created_feed,
    }  # fmt: skip
    return page(request, "oncall.html", context, status=status)


def _week_label(start: date) -> str:
    end = start + timedelta(days=6)
    return f"{start.day} {start:%b %Y} to {end.day} {end:%b %Y}"


@router.get("/oncall")
async def oncall_page(
    request: Request,
    person: Person,
    sessions: SessionsDep,
    team: Param = None,
    week: Param = None,
    done: Param = None,
) -> HTMLResponse:
    """The on-call page for a team (default: the person's own) and a week (default: now)."""
    chosen = team or default_team(person)
    if chosen not in person.config.teams_by_id:
        return error_page(
            request, 404, "Not found", f"team: no team '{chosen}' in the configuration"
        )
    return await render_oncall(request, person, sessions, chosen, week, notice=DONE.get(done or ""))

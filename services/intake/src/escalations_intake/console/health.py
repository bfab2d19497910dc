"""The team health page ``/console/health``: load, graphic exposure, pages, SLA compliance.

For the leads of a team and admins (``health_data.may_see_health``); anyone else gets the
403 page. A lead sees the teams they lead, an admin any team, chosen with ``?team=``
(default: the first they may see). Reads are ``health_query``, sums ``health_data``, the
page's figures and charts ``health_view`` (docs/console.md, "Team health").
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from escalations_intake.console.health_data import health_teams, may_see_health, team_people
from escalations_intake.console.health_query import health_rows
from escalations_intake.console.health_view import health_view
from escalations_intake.console.people import Person
from escalations_intake.console.render import error_page, page
from escalations_intake.http.deps import SessionsDep

router = APIRouter(prefix="/console", include_in_schema=False)
TeamParam = Annotated[str | None, Query(max_length=100)]


@router.get("/health")
async def health(
    request: Request, person: Person, sessions: SessionsDep, team: TeamParam = None
) -> HTMLResponse:
    """One team's health, for its leads and admins."""
    config = person.config
    teams = health_teams(config, person.roles)
    if not teams:
        why = "Team health is for the leads of a team and admins."
        return error_page(request, 403, "Forbidden", why)
    chosen = team or teams[0]
    if chosen not in config.teams_by_id:
        why = f"There is no team '{chosen}'; choose one of {', '.join(teams)}."
        return error_page(request, 404, "Not found", why)
    if not may_see_health(person.roles, chosen):
        why = f"'{person.person}' may not see the health of team '{chosen}': needs lead or admin."
        return error_page(request, 403, "Forbidden", why)
    now = datetime.now(UTC)
    people = team_people(config.teams_by_id[chosen])
    rows = await health_rows(sessions, chosen, people, now)
    context = {
        "title": f"Health of {config.teams_by_id[chosen].name}",
        "active": "health",
        "teams": [(t, config.teams_by_id[t].name) for t in teams],
        "health": health_view(config, chosen, rows, now),
    }
    return page(request, "health.html", context)

"""What the team health page shows of one team's rows: figures, tables and charts. Pure.

``health_view`` turns ``health_query.HealthRows`` into the page's context with the sums of
``health_data`` and the chart geometry of ``health_chart`` (docs/console.md, "Team health").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from escalations.core.config import Config
from escalations.core.durations import format_duration
from escalations_intake.console.health_chart import bar_chart, percent
from escalations_intake.console.health_data import (
    PERIODS,
    calendars_of,
    compliance,
    count_pages,
    exposure,
    open_load,
    team_people,
)
from escalations_intake.console.health_query import PAGES_DAYS, HealthRows


def health_view(config: Config, team_id: str, rows: HealthRows, now: datetime) -> dict[str, Any]:
    """Return the health page's figures for ``team_id`` from its rows, as of ``now``."""
    team = config.teams_by_id[team_id]
    people = team_people(team)
    names = {person.id: person.name for person in config.people}
    wellbeing = config.wellbeing
    loads = open_load(rows.owners, people)
    exposures = [
        (person, exposure(rows.graphic_at.get(person, ()), now, wellbeing.window))
        for person in people
    ]
    zones = {person: ZoneInfo(config.people_by_id[person].timezone) for person in people}
    pages = count_pages(
        rows.pages, people, zones, {person: calendars_of(team, person) for person in people}
    )
    periods = {days: compliance(rows.sla, now, days) for days in PERIODS}
    return {
        "team": team_id,
        "team_name": team.name,
        "as_of": now.isoformat(),
        "load": [{"person": p, "name": names.get(p, p), "open": n} for p, n in loads],
        "load_chart": bar_chart([(names.get(p, p), n, str(n)) for p, n in loads]),
        "cap": wellbeing.graphic_cap,
        "window": format_duration(wellbeing.window),
        "exposure": [
            {
                "person": p,
                "name": names[p],
                "graphic": n,
                "at_cap": n >= wellbeing.graphic_cap,
            }
            for p, n in exposures
        ],
        "exposure_chart": bar_chart(
            [(names[p], n, f"{n} of {wellbeing.graphic_cap}") for p, n in exposures],
            cap=wellbeing.graphic_cap,
        ),
        "pages_days": PAGES_DAYS,
        "pages": [
            {
                "person": c.person,
                "name": names[c.person],
                "zone": str(zones[c.person]),
                "total": c.total,
                "night": c.night,
                "weekend": c.weekend,
                "holiday": c.holiday,
                "calendars": sorted(calendars_of(team, c.person)),
            }
            for c in pages
        ],
        "pages_chart": bar_chart(
            [(names[c.person], c.total, f"{c.total} ({c.night} at night)") for c in pages]
        ),
        "compliance": [
            {
                "days": days,
                "rows": [
                    {
                        "tier": c.tier,
                        "acknowledged": percent(c.acknowledged_share),
                        "acknowledged_met": c.acknowledged_met,
                        "acknowledged_due": c.acknowledged_due,
                        "resolved": percent(c.resolved_share),
                        "resolved_met": c.resolved_met,
                        "resolved_due": c.resolved_due,
                    }
                    for c in found
                ],
                "chart": bar_chart(
                    [
                        (f"{c.tier} {label}", (share or 0) * 100, percent(share))
                        for c in found
                        for label, share in (
                            ("acknowledged", c.acknowledged_share),
                            ("resolved", c.resolved_share),
                        )
                    ],
                    top=100,
                ),
            }
            for days, found in periods.items()
        ],
    }

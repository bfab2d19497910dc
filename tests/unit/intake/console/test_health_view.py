"""The team health page's figures and HTML from plain rows (docs/console.md, "Team health")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from escalations.core.config import Config, load_config
from escalations.settings import DEMO_CONFIG
from escalations_intake.console.health_data import SlaRow
from escalations_intake.console.health_query import HealthRows
from escalations_intake.console.health_view import health_view
from escalations_intake.console.render import ENV

CONFIG: Config = load_config(DEMO_CONFIG).config
NOW = datetime(2026, 12, 12, 12, 0, tzinfo=UTC)  # a Saturday


def _rows() -> HealthRows:
    hour = timedelta(hours=1)
    cap = CONFIG.wellbeing.graphic_cap
    return HealthRows(
        owners={"ciaran": 3, "niamh": 1},
        graphic_at={"ciaran": [NOW - hour * i for i in range(cap)], "niamh": [NOW - 30 * hour]},
        pages=[("ciaran", NOW - 9 * hour), ("ciaran", NOW - 2 * 24 * hour), ("niamh", NOW)],
        sla=[
            SlaRow(
                "P1",
                NOW - 3 * hour,
                NOW - 2 * hour,
                NOW - 90 * timedelta(minutes=1),
                NOW + hour,
                None,
            ),
        ],
    )


def _by_person(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["person"]: row for row in rows}


def test_the_view_sums_each_section_for_the_teams_people() -> None:
    """Load, exposure at the cap, pages by kind, compliance: figures from the rows."""
    view = health_view(CONFIG, "ts-dublin", _rows(), NOW)
    load = {row["person"]: row["open"] for row in view["load"]}
    assert (3, 1, 0) == (load["ciaran"], load["niamh"], load["orla"])
    exposure = _by_person(view["exposure"])
    assert (CONFIG.wellbeing.graphic_cap, True) == (
        exposure["ciaran"]["graphic"],
        exposure["ciaran"]["at_cap"],
    )
    assert (0, False) == (exposure["niamh"]["graphic"], exposure["niamh"]["at_cap"])
    pages = _by_person(view["pages"])
    # 03:00 Saturday in Dublin (night, weekend); Thursday noon; Saturday noon.
    assert (2, 1, 1) == (
        pages["ciaran"]["total"],
        pages["ciaran"]["night"],
        pages["ciaran"]["weekend"],
    )
    assert (1, 0, 1) == (
        pages["niamh"]["total"],
        pages["niamh"]["night"],
        pages["niamh"]["weekend"],
    )
    week = {row["tier"]: row for row in view["compliance"][0]["rows"]}
    assert (7, "0 %", 0, 1) == (
        view["compliance"][0]["days"],
        week["P1"]["acknowledged"],
        week["P1"]["acknowledged_met"],
        week["P1"]["acknowledged_due"],
    )
    assert (0, "no data") == (week["P1"]["resolved_due"], week["P1"]["resolved"])
    over = [bar for bar in view["exposure_chart"].bars if bar.over]
    assert [CONFIG.people_by_id["ciaran"].name] == [bar.label for bar in over]


def test_the_page_has_a_chart_and_a_table_for_each_section_without_inline_styles() -> None:
    """Inline SVG labelled by its caption, a table with header cells, no style attribute."""
    context = {
        "viewer": None,
        "csrf_token": None,
        "active": "health",
        "title": "Health",
        "teams": [("ts-dublin", "TS Dublin"), ("general-ts", "General")],
        "health": health_view(CONFIG, "ts-dublin", _rows(), NOW),
    }
    html = ENV.get_template("health.html").render(context)
    assert "style=" not in html
    assert "<script>" not in html
    assert 5 == html.count("<svg ") == html.count("<figcaption")
    for table in (
        "health-load",
        "health-exposure",
        "health-pages",
        "health-sla-7",
        "health-sla-30",
    ):
        assert f'<table id="{table}">' in html
    assert 'class="bar over"' in html
    assert 'class="cap"' in html
    assert '<option value="ts-dublin" selected>' in html
    assert '<span class="at-cap">At the cap</span>' in html


def test_a_team_with_no_rows_shows_zeros_and_no_data() -> None:
    """An empty team: every person at zero, every share 'no data'."""
    empty = HealthRows(owners={}, graphic_at={}, pages=[], sla=[])
    view = health_view(CONFIG, "general-ts", empty, NOW)
    assert all(row["open"] == 0 for row in view["load"])
    assert all(row["total"] == 0 for row in view["pages"])
    assert {"no data"} == {
        row[key]
        for p in view["compliance"]
        for row in p["rows"]
        for key in ("acknowledged", "resolved")
    }

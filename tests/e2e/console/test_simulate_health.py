"""The simulate and team health pages through a real intake and Postgres.

Simulate answers as ``POST /v1/simulate`` does for the same body and person (docs/console.md,
"Simulate"). Team health is for leads and admins; its figures are checked as the change
that seeded rows make, since other tests store rows of the same configured teams.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from escalations.core.config_types import holiday_dates
from tests.e2e.console.conftest import Console, Page
from tests.e2e.console.health_rows import as_json, delivery, last_night, met_of, run_sql
from tests.e2e.console.tables import Tables
from tests.e2e.intake.rows import escalation_row, insert

pytestmark = pytest.mark.e2e
NO_SLA: dict[str, Any] = {"acknowledge_by": None, "resolve_by": None}
AT = (datetime.now(UTC) + timedelta(minutes=5)).replace(microsecond=0)
BODY: dict[str, Any] = {
    "title": "Threat to a school",
    "policy_area": "violent_threat",
    "region": "IE",
    "language": "en",
    "signals": {"imminence": "imminent_specific", "graphic": True},
    "reach": {"impressions_24h": 12000, "followers": 300},
    "regulatory": {"regime": "terreg_removal_order"},
    "at": AT.isoformat(),
}
FORM = {
    "title": "Threat to a school",
    "policy_area": "violent_threat",
    "region": "IE",
    "language": "en",
    "imminence": "imminent_specific",
    "signal_graphic": "on",
    "impressions_24h": "12000",
    "followers": "300",
    "regime": "terreg_removal_order",
    "at": AT.isoformat(),
}


def _the_api(client: httpx.Client) -> dict[str, Any]:
    answer = client.post("/v1/simulate", json=BODY)
    assert 200 == answer.status_code, answer.text
    found: dict[str, Any] = answer.json()
    return found


def _the_page(client: httpx.Client, form: dict[str, str]) -> httpx.Response:
    return client.post("/console/simulate", data=form)


@pytest.mark.parametrize("person", ["aoife", "liam"])
def test_simulate_shows_what_the_api_answers_for_the_same_body(
    console: Console, person: str
) -> None:
    """Tier, score, reasons, deadlines, rule, team, owner, candidates, pages and load."""
    with console.as_token(person) as client:
        api = _the_api(client)
        answer = _the_page(client, FORM)
    assert 200 == answer.status_code, answer.text
    page, tables = Page(answer.text), Tables(answer.text)
    assert f'id="sim-tier">{api["priority"]["tier"]}<' in answer.text
    assert f'id="sim-score">{api["priority"]["score"]}<' in answer.text
    (team,) = page.all("dd", id="sim-team")
    (owner,) = page.all("dd", id="sim-owner")
    assert (api["team"], api["owner"] or "") == (team["data-team"], owner["data-owner"])
    assert api["route"]["rule"] in answer.text
    reasons = [cells for attrs, cells in tables.tables["sim-reasons"] if "data-factor" in attrs]
    assert [[r["factor"], str(r["points"]), r["detail"]] for r in api["priority"]["reasons"]] == [
        [c.strip() for c in cells] for cells in reasons
    ]
    candidates = tables.rows("sim-candidates", "person")
    assert api["assignment"]["candidates"], "someone is on duty at level 1"
    assert api["pages"], "the policy pages someone"
    assert [c["person_id"] for c in api["assignment"]["candidates"]] == list(candidates)
    assert [c["reason"] for c in api["assignment"]["candidates"]] == [
        cells[2] for cells in candidates.values()
    ]
    shown_pages = [attrs for attrs, _ in tables.tables["sim-pages"] if "data-level" in attrs]
    assert [(str(p["level"]), _iso(p["at"])) for p in api["pages"]] == [
        (a["data-level"], _iso(str(a["data-at"]))) for a in shown_pages
    ]
    times = {_iso(str(a["datetime"])) for a in page.all("time")}
    deadlines = api["deadlines"]
    for due in (deadlines["acknowledge_by"], deadlines["resolve_by"]):
        assert _iso(due) in times
    assert deadlines["regulatory_deadline"] is not None
    assert _iso(deadlines["regulatory_deadline"]) in times
    loads = tables.rows("sim-load", "person")
    assert [(p["person"], str(p["open_escalations"])) for p in api["state"]["person_load"]] == [
        (person_id, cells[1]) for person_id, cells in loads.items()
    ]
    assert ("need-to-know" in answer.text) == (person == "liam")


def _iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_simulate_with_a_session_needs_the_forms_csrf_token(console: Console) -> None:
    """Signed in by cookie: the form's token is required, and then the answer is shown."""
    browser = console.signed_in("ciaran")
    form_page = browser.get("/console/simulate")
    assert 200 == form_page.status_code, form_page.text
    (token,) = {a["value"] for a in Page(form_page.text).all("input", name="csrf_token")}
    assert token
    forged = _the_page(browser, {**FORM, "csrf_token": "forged"})
    assert 403 == forged.status_code
    answer = _the_page(browser, {**FORM, "csrf_token": str(token)})
    assert 200 == answer.status_code, answer.text
    assert 'id="sim-tier"' in answer.text


def test_bad_input_is_shown_next_to_each_field(console: Console) -> None:
    """Each invalid field is marked and described; nothing is simulated; never a 500."""
    bad = {**FORM, "title": "   ", "region": "ireland", "followers": "many", "deadline": "soon"}
    with console.as_token("aoife") as client:
        answer = _the_page(client, bad)
        unknown = _the_page(client, {**FORM, "policy_area": "knitting"})
    assert 422 == answer.status_code, answer.text
    page = Page(answer.text)
    assert not page.all("section", id="result")
    # Numbers are checked first; once they are numbers, the model's errors name the rest.
    assert page.all("input", id="f-followers", aria_invalid="true")
    assert page.all("span", id="followers-error")
    with console.as_token("aoife") as client:
        answer = _the_page(client, {**bad, "followers": "300"})
    assert 422 == answer.status_code
    page = Page(answer.text)
    for name in ("title", "region", "deadline"):
        assert page.all(
            "input", id=f"f-{name}", aria_invalid="true", aria_describedby=f"{name}-error"
        )
        assert page.all("span", id=f"{name}-error")
    assert not page.all("input", id="f-language", aria_invalid="true")
    assert 422 == unknown.status_code
    assert Page(unknown.text).all("select", id="f-policy_area", aria_invalid="true")


def test_hostile_input_comes_back_as_inert_text(console: Console) -> None:
    """Markup, control characters and huge fields: escaped, shown as U+FFFD, refused by name."""
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>\x07'
    with console.as_token("aoife") as client:
        echoed = _the_page(client, {**FORM, "title": hostile, "region": "<b>IE</b>"})
        huge = _the_page(client, {**FORM, "description": "x" * 20_001})
        api_huge = client.post("/v1/simulate", json={**BODY, "description": "x" * 20_001})
    assert 422 == echoed.status_code, echoed.text
    assert "<script>alert" not in echoed.text
    assert "<img src=x" not in echoed.text
    assert "&lt;script&gt;" in echoed.text
    assert "\x07" not in echoed.text
    assert "\ufffd" in echoed.text
    assert "&lt;b&gt;IE&lt;/b&gt;" in echoed.text
    assert 400 == huge.status_code, huge.text[:300]
    assert Page(huge.text).all("span", id="description-error")
    assert 422 == api_huge.status_code


def test_health_is_for_leads_and_admins(console: Console) -> None:
    """A lead sees their team, an admin any team, a responder and others' teams get 403."""
    with console.as_token("sean") as sean, console.as_token("aoife") as aoife:
        assert 200 == sean.get("/console/health").status_code
        assert 403 == sean.get("/console/health", params={"team": "child-safety"}).status_code
        assert 200 == aoife.get("/console/health", params={"team": "child-safety"}).status_code
        picked = Page(aoife.get("/console/health", params={"team": "general-ts"}).text)
        assert picked.all("option", value="general-ts", selected="")
        assert 404 == aoife.get("/console/health", params={"team": "nope"}).status_code
    with console.as_token("ciaran") as ciaran:
        refused = ciaran.get("/console/health")
    assert 403 == refused.status_code
    assert "leads of a team and admins" in refused.text
    assert 303 == console.anonymous().get("/console/health").status_code


def _health(client: httpx.Client) -> Tables:
    answer = client.get("/console/health", params={"team": "ts-dublin"})
    assert 200 == answer.status_code, answer.text
    assert "style=" not in answer.text
    return Tables(answer.text)


def test_health_figures_change_by_what_is_seeded(console: Console) -> None:
    """Open load, graphic exposure at the cap, night pages and SLA compliance, per person."""
    db = console.intake.database_url
    now = datetime.now(UTC)
    saved = run_sql(db, "SELECT graphic_at FROM router_person_load WHERE person = 'saoirse'")
    with console.as_token("aoife") as aoife:
        before = _health(aoife)
        day, t = timedelta(days=1), now - timedelta(days=1)
        ack, res = timedelta(minutes=30), timedelta(hours=8)
        seeded: list[Any] = [
            escalation_row(owner="orla", status="assigned", **NO_SLA),
            escalation_row(owner="orla", status="acknowledged", **NO_SLA),
            escalation_row(owner="orla", status="resolved", **NO_SLA),
            # SLA, P4, received a day ago: in time; late; missed; still open within.
            escalation_row(
                tier="P4",
                status="resolved",
                received_at=t,
                acknowledge_by=t + ack,
                acknowledged_at=t + ack / 2,
                resolve_by=t + res,
                resolved_at=t + res / 2,
            ),
            escalation_row(
                tier="P4",
                received_at=t,
                acknowledge_by=t + ack,
                acknowledged_at=t + 2 * ack,
                resolve_by=now + day,
            ),
            escalation_row(tier="P4", received_at=t, acknowledge_by=t + ack, resolve_by=now + day),
            escalation_row(
                tier="P4", received_at=now, acknowledge_by=now + ack, resolve_by=now + day
            ),
            # Twenty days ago: in the 30 days only.
            escalation_row(
                tier="P4",
                received_at=now - 20 * day,
                acknowledge_by=now - 20 * day + ack,
                acknowledged_at=now - 20 * day,
                resolve_by=now + day,
            ),
        ]
        night = last_night(ZoneInfo("Europe/Dublin"), now)
        seeded += [
            delivery("orla", "pagerduty", "sent", night, "escalation.assigned"),
            delivery("orla", "email", "sent", night, "escalation.assigned"),
            delivery("orla", "pagerduty", "sent", night, "escalation.resolved"),
            delivery("orla", "pagerduty", "dead_lettered", night, "escalation.assigned"),
            delivery("orla", "pagerduty", "sent", now - 8 * day, "escalation.assigned"),
        ]
        insert(db, *seeded)
        stamps = [(now - timedelta(minutes=m)).isoformat() for m in (1, 2, 3, 4, 5, 6)]
        run_sql(
            db,
            "INSERT INTO router_person_load (person, open_count, assigned_total, graphic_at) "
            "VALUES ('saoirse', 0, 0, CAST(:g AS jsonb)) "
            "ON CONFLICT (person) DO UPDATE SET graphic_at = EXCLUDED.graphic_at",
            g=as_json(stamps),
        )
        try:
            after = _health(aoife)
        finally:
            if saved:
                run_sql(
                    db,
                    "UPDATE router_person_load SET graphic_at = CAST(:g AS jsonb) "
                    "WHERE person = 'saoirse'",
                    g=as_json(saved[0][0]),
                )
            else:
                run_sql(db, "DELETE FROM router_person_load WHERE person = 'saoirse'")
    load = (before.rows("health-load", "person"), after.rows("health-load", "person"))
    assert int(load[1]["orla"][1]) == int(load[0]["orla"][1]) + 2
    exposure = after.rows("health-exposure", "person")["saoirse"]
    assert (exposure[1], exposure[2]) == ("6", "At the cap")
    pages = (
        before.rows("health-pages", "person")["orla"],
        after.rows("health-pages", "person")["orla"],
    )
    weekend = int(night.astimezone(ZoneInfo("Europe/Dublin")).weekday() >= 5)
    holiday = int(
        night.astimezone(ZoneInfo("Europe/Dublin")).date() in holiday_dates("IE", night.year)
    )
    assert [int(a) - int(b) for a, b in zip(pages[1][1:5], pages[0][1:5], strict=True)] == [
        1,
        1,
        weekend,
        holiday,
    ]
    for table, acknowledged, resolved in (
        ("health-sla-7", (1, 3), (1, 1)),
        ("health-sla-30", (2, 4), (1, 1)),
    ):
        p4 = before.rows(table, "tier")["P4"], after.rows(table, "tier")["P4"]
        gained = [
            tuple(x - y for x, y in zip(met_of(p4[1][i]), met_of(p4[0][i]), strict=True))
            for i in (1, 2)
        ]
        assert [acknowledged, resolved] == gained, table

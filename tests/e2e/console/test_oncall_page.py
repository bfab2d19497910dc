"""The console's on-call page through a real intake and Postgres (docs/console.md, "On call").

People and roles are the demo configuration's: sean is a (deputy) lead of ts-dublin, ciaran
and niamh are on it, liam is on general-ts only, aoife is an admin. No router runs here, so
added overrides and time off are checked in the audit log (the command was published and
audited as through the API), and the rows a cancel needs are stored as the router would.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from escalations.core.config import demo_config_path, load_config
from escalations.core.schedules import oncall
from tests.e2e.console.conftest import Console, Page
from tests.e2e.intake.rows import insert, override, time_off

pytestmark = pytest.mark.e2e
TEAM = "ts-dublin"
SOON = datetime.now(UTC) + timedelta(days=2)


def _local(at: datetime) -> str:
    """A ``datetime-local`` value in the team's zone (Europe/Dublin)."""
    from zoneinfo import ZoneInfo

    return f"{at.astimezone(ZoneInfo('Europe/Dublin')):%Y-%m-%dT%H:%M}"


def _get(client: httpx.Client, **params: str) -> tuple[httpx.Response, Page]:
    answer = client.get("/console/oncall", params=params)
    return answer, Page(answer.text)


def _csrf(page: Page) -> str:
    found = {a["value"] for a in page.all("input", name="csrf_token")}
    assert 1 == len(found), found
    return str(found.pop())


def _audited(console: Console, action: str, actor: str) -> list[dict[str, Any]]:
    with console.intake.client() as admin:
        answer = admin.get("/v1/audit", params={"action": action, "actor": actor})
    assert 200 == answer.status_code, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def _window(days: int = 2) -> dict[str, str]:
    start = SOON + timedelta(days=days)
    return {"start": _local(start), "end": _local(start + timedelta(hours=8))}


def test_without_credentials_the_page_sends_to_sign_in(console: Console) -> None:
    """No session and no token: a GET goes to sign-in and comes back to the same week."""
    answer = console.anonymous().get("/console/oncall", params={"team": TEAM, "week": "2026-W13"})
    assert 303 == answer.status_code
    target = urlsplit(answer.headers["location"])
    assert ["/console/oncall?team=ts-dublin&week=2026-W13"] == parse_qs(target.query)["next"]


def test_now_and_next_show_who_the_api_says_is_on_call(console: Console) -> None:
    """Each team's levels name the people ``GET /v1/oncall`` names, with a hand-over time."""
    with console.as_token("ciaran") as client:
        answer, page = _get(client)
        api = client.get("/v1/oncall", params={"team": TEAM}).json()
    assert 200 == answer.status_code, answer.text
    assert "text/html" in answer.headers["content-type"]
    assert "default-src 'none'" in answer.headers["content-security-policy"]
    text = html.unescape(answer.text)
    for level in api["levels"]:
        for paged in level["people"]:
            assert paged["name"] in text
    assert len(page.all("table", **{"class": "now"})) == len(
        load_config(demo_config_path()).config.teams
    )
    assert "On duty now, and next" in text
    assert "from" in text
    assert page.all("time")


def test_the_week_calendar_of_a_dst_week_shows_local_times(console: Console) -> None:
    """A week from Friday 27 March 2026 holds Dublin's spring-forward (Sunday 29): the change
    is named, days are columns, and the Los Angeles layer (09:00 PDT, 16:00 UTC both days)
    starts at 16:00 local on the Friday (GMT) and 17:00 local on the Monday (IST), with the
    people the pure resolver puts on duty; previous and next links step a week."""
    with console.as_token("ciaran") as client:
        answer, page = _get(client, team=TEAM, week="2026-03-27")
        iso, iso_page = _get(client, team=TEAM, week="2026-W13")
    assert 200 == answer.status_code, answer.text
    heads = [a["data-day"] for a in page.all("th", scope="col") if "data-day" in a]
    assert heads == ["2026-03-27", "2026-03-28", "2026-03-29", "2026-03-30", "2026-03-31",
                     "2026-04-01", "2026-04-02"]  # fmt: skip
    assert "Clocks change: GMT to IST" in html.unescape(answer.text)
    assert page.all("a", rel="prev", href="/console/oncall?team=ts-dublin&week=2026-03-20")
    assert page.all("a", rel="next", href="/console/oncall?team=ts-dublin&week=2026-04-03")
    assert '<time datetime="2026-03-27T16:00:00+00:00">16:00</time>' in answer.text
    assert '<time datetime="2026-03-30T16:00:00+00:00">17:00</time>' in answer.text
    config = load_config(demo_config_path()).config
    names = {p.id: p.name for p in config.people}
    text = html.unescape(answer.text)
    for at in (
        datetime(2026, 3, 27, 16, 30, tzinfo=UTC),
        datetime(2026, 3, 30, 16, 30, tzinfo=UTC),
    ):
        (level1, *_) = oncall(config, TEAM, at)
        assert level1.people
        assert all(names[e.person] in text for e in level1.people)
    assert 200 == iso.status_code
    assert iso_page.all("a", rel="next", href="/console/oncall?team=ts-dublin&week=2026-W14")


def test_public_holidays_are_marked_and_a_bad_week_is_named(console: Console) -> None:
    """Easter Monday 2026 (6 April) is marked in the team's IE calendar; junk week is a 400."""
    with console.as_token("ciaran") as client:
        _, page = _get(client, team=TEAM, week="2026-04-06")
        bad, _ = _get(client, team=TEAM, week="2026-W99")
        junk, _ = _get(client, team=TEAM, week="<b>x\x07</b>")
        unknown, _ = _get(client, team="<script>alert(1)</script>")
    assert "Public holiday: Easter Monday" in "".join(page.texts)
    assert page.all("th", data_day="2026-04-06", **{"class": "holiday"})
    assert 400 == bad.status_code
    assert "week: &#39;2026-W99&#39;" in bad.text
    assert 400 == junk.status_code
    assert "<b>x" not in junk.text
    assert "&lt;b&gt;x\ufffd" in junk.text
    assert 404 == unknown.status_code
    assert "<script>alert" not in unknown.text
    assert "&lt;script&gt;alert(1)" in unknown.text


def test_my_shifts_list_the_persons_next_shifts(console: Console) -> None:
    """A responder sees their own shifts (their time zone named) or that there are none."""
    with console.as_token("ciaran") as client:
        answer, page = _get(client)
    assert 200 == answer.status_code
    text = "".join(page.texts)
    assert "My shifts" in text
    assert "Your shifts in the next 14 days; times in Europe/Dublin" in text or (
        "No shifts in the next 14 days." in text
    )


def test_a_lead_adds_and_cancels_an_override(console: Console) -> None:
    """Sean leads ts-dublin: the form is there, posting it is audited as the API's add; a
    stored override gets a cancel button whose post is audited as the API's cancel."""
    stored = override(TEAM, "niamh", SOON, SOON + timedelta(hours=4))
    insert(console.intake.database_url, stored)
    browser = console.signed_in("sean")
    _answer, page = _get(browser, team=TEAM)
    assert page.all("form", action="/console/oncall/overrides")
    cancel_to = f"/console/oncall/overrides/{stored.id}/cancel"
    assert page.all("form", action=cancel_to)
    form = {"csrf_token": _csrf(page), "team": TEAM, "week": "", "person": "orla", **_window()}
    added = browser.post("/console/oncall/overrides", data=form)
    assert 303 == added.status_code, added.text
    assert added.headers["location"] == "/console/oncall?team=ts-dublin&done=override_added"
    (entry, *_) = _audited(console, "override.create", "sean")
    assert ("orla", TEAM) == (entry["detail"]["person"], entry["detail"]["team"])
    cancel = {"csrf_token": form["csrf_token"], "team": TEAM, "week": "2026-W13"}
    cancelled = browser.post(cancel_to, data=cancel)
    assert 303 == cancelled.status_code, cancelled.text
    assert cancelled.headers["location"].endswith("week=2026-W13&done=override_cancelled")
    assert [stored.id] == [e["subject_id"] for e in _audited(console, "override.cancel", "sean")]
    done, _ = _get(browser, team=TEAM, done="override_added")
    assert "Override sent" in done.text


def test_a_responder_of_another_team_may_not_touch_its_overrides(console: Console) -> None:
    """Liam is on general-ts only: no form on ts-dublin, and posting anyway is the 403 page."""
    stored = override(TEAM, "niamh", SOON, SOON + timedelta(hours=4))
    insert(console.intake.database_url, stored)
    browser = console.signed_in("liam")
    _, page = _get(browser, team=TEAM)
    assert not page.all("form", action="/console/oncall/overrides")
    assert not page.all("form", action=f"/console/oncall/overrides/{stored.id}/cancel")
    form = {"csrf_token": _csrf(page), "team": TEAM, "person": "liam", **_window()}
    refused = browser.post("/console/oncall/overrides", data=form)
    assert 403 == refused.status_code
    assert "may not schedules.write on team &#39;ts-dublin&#39;" in refused.text
    cancel = browser.post(
        f"/console/oncall/overrides/{stored.id}/cancel",
        data={"csrf_token": form["csrf_token"], "team": TEAM},
    )
    assert 403 == cancel.status_code
    assert [] == _audited(console, "override.create", "liam")


def test_a_person_adds_their_own_time_off_but_not_a_colleagues(console: Console) -> None:
    """Ciaran may add his own time off (audited as the API's); niamh's is a 403."""
    browser = console.signed_in("ciaran")
    _, page = _get(browser, team=TEAM)
    assert page.all("form", action="/console/oncall/time-off")
    token = _csrf(page)
    form = {"csrf_token": token, "team": TEAM, "person": "ciaran", "reason": "dentist"}
    added = browser.post("/console/oncall/time-off", data={**form, **_window(3)})
    assert 303 == added.status_code, added.text
    assert added.headers["location"].endswith("done=time_off_added")
    assert any(
        e["detail"]["person"] == "ciaran" for e in _audited(console, "time_off.create", "ciaran")
    )
    other = browser.post("/console/oncall/time-off", data={**form, "person": "niamh", **_window()})
    assert 403 == other.status_code
    assert "for person &#39;niamh&#39;" in other.text


def test_the_own_time_off_is_listed_with_a_cancel(console: Console) -> None:
    """Stored time off of the person shows with a cancel form; the cancel is audited."""
    stored = time_off("niamh", SOON, SOON + timedelta(days=1))
    insert(console.intake.database_url, stored)
    action = f"/console/oncall/time-off/{stored.id}/cancel"
    stranger = console.signed_in("liam")
    _, theirs = _get(stranger, team=TEAM)
    assert not theirs.all("form", action=action)
    refused = stranger.post(action, data={"csrf_token": _csrf(theirs), "team": TEAM})
    assert 403 == refused.status_code
    browser = console.signed_in("niamh")
    _, page = _get(browser, team=TEAM)
    assert page.all("form", action=action)
    missing = browser.post(
        "/console/oncall/time-off/00000000-0000-4000-8000-000000000000/cancel",
        data={"csrf_token": _csrf(page), "team": TEAM},
    )
    assert 404 == missing.status_code
    assert "time_off_id: no time off" in missing.text
    answer = browser.post(action, data={"csrf_token": _csrf(page), "team": TEAM})
    assert 303 == answer.status_code, answer.text
    assert [stored.id] == [e["subject_id"] for e in _audited(console, "time_off.cancel", "niamh")]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"end": "2026-01-01T08:00", "start": "2026-01-01T09:00"},
            "end",
            "end: must be after start",
        ),
        ({"person": "nobody<b>"}, "person", "person: no person &#39;nobody&lt;b&gt;&#39;"),
        (
            {"start": "2020-01-01T09:00", "end": "2020-01-01T10:00"},
            "end",
            "end: must be in the future",
        ),
        ({"start": "tomorrow"}, "start", "start: &#39;tomorrow&#39; is not a date and time"),
    ],
)
def test_a_form_error_re_renders_the_form_naming_the_field(
    console: Console, change: dict[str, str], field: str, message: str
) -> None:
    """End before start, an unknown person, a past window: 422, the field marked invalid."""
    browser = console.signed_in("sean")
    _, page = _get(browser, team=TEAM)
    form = {"csrf_token": _csrf(page), "team": TEAM, "person": "orla", **_window(), **change}
    answer = browser.post("/console/oncall/overrides", data=form)
    assert 422 == answer.status_code, answer.text
    assert message in answer.text
    again = Page(answer.text)
    marked = again.all("input", aria_invalid="true") + again.all("select", aria_invalid="true")
    assert [f"override-{field}"] == [a["id"] for a in marked]


def test_a_post_without_the_csrf_token_is_refused(console: Console) -> None:
    """A cookie session's form without ``csrf_token`` is the 403 page; nothing is audited."""
    browser = console.signed_in("sean")
    form = {"team": TEAM, "person": "eoin", **_window(5)}
    answer = browser.post("/console/oncall/overrides", data=form)
    assert 403 == answer.status_code
    assert "security token" in answer.text
    assert all(
        e["detail"]["person"] != "eoin" for e in _audited(console, "override.create", "sean")
    )


def test_hostile_form_values_are_escaped_when_re_rendered(console: Console) -> None:
    """Markup and control characters in a refused form come back as text, never markup."""
    browser = console.signed_in("ciaran")
    _, page = _get(browser, team=TEAM)
    hostile = '"><script>alert(1)</script>\x01'
    form = {"csrf_token": _csrf(page), "team": TEAM, "person": "ciaran", "reason": hostile,
            "start": "2026-01-01T09:00", "end": "2026-01-01T08:00"}  # fmt: skip
    answer = browser.post("/console/oncall/time-off", data=form)
    assert 422 == answer.status_code
    assert "<script>alert(1)" not in answer.text
    assert "&#34;&gt;&lt;script&gt;" in answer.text or "&quot;&gt;&lt;script&gt;" in answer.text
    huge = browser.post("/console/oncall/time-off", data={**form, **_window(), "reason": "x" * 600})
    assert 422 == huge.status_code
    assert "reason: longer than 500" in huge.text


def test_a_person_creates_a_calendar_feed_shown_once(console: Console) -> None:
    """The feed's secret URL is on the answer once; it serves the person's calendar."""
    browser = console.signed_in("ciaran")
    _, page = _get(browser, team=TEAM)
    form = {"csrf_token": _csrf(page), "team": TEAM, "kind": "person", "description": "phone"}
    answer = browser.post("/console/oncall/feeds", data=form)
    assert 200 == answer.status_code, answer.text
    (url,) = [a["value"] for a in Page(answer.text).all("input", id="created-feed-url")]
    assert url
    assert "/v1/feeds/ecf_" in url
    feed = console.anonymous().get(urlsplit(url).path)
    assert (200, "text/calendar") == (feed.status_code, feed.headers["content-type"][:13])
    again, _ = _get(browser, team=TEAM)
    assert url not in again.text
    assert "phone" in again.text
    team_feed = browser.post("/console/oncall/feeds", data={**form, "kind": "team"})
    assert 403 == team_feed.status_code

"""The console's queue page through a real intake and Postgres (docs/console.md, "Queue").

Rows are stored as the router would (tests/e2e/intake/rows.py), each test's titles carrying
a tag of its own, so searching for the tag shows that test's rows only.
"""

from __future__ import annotations

import html
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.e2e.console.conftest import Console, Page
from tests.e2e.intake.rows import escalation_row, insert

pytestmark = pytest.mark.e2e
NOW = datetime.now(UTC)


def _tag() -> str:
    return f"tag{uuid.uuid4().hex[:10]}"


def _row(tag: str, **changes: Any) -> Any:
    fields: dict[str, Any] = {
        "title": f"{changes.pop('name', 'row')} {tag}",
        "acknowledge_by": None,
        "resolve_by": None,
        **changes,
    }
    return escalation_row(**fields)


def _queue(client: httpx.Client, **params: str) -> tuple[httpx.Response, Page]:
    answer = client.get("/console", params=params)
    return answer, Page(answer.text)


def _csrf(page: Page) -> str:
    (found,) = {a["value"] for a in page.all("input", name="csrf_token")}
    assert found
    return found


def test_without_credentials_a_page_redirects_to_sign_in_and_back(console: Console) -> None:
    """A GET goes to sign-in with `next` naming the page and its query; a POST is a 401 page."""
    answer = console.anonymous().get("/console", params={"tier": "P0", "q": "a b"})
    assert 303 == answer.status_code, answer.text
    target = urlsplit(answer.headers["location"])
    assert "/v1/auth/sign-in" == target.path
    assert ["/console?tier=P0&q=a+b"] == parse_qs(target.query)["next"]
    posted = console.anonymous().post("/console/escalations/x/acknowledge", data={})
    assert (401, "text/html") == (posted.status_code, posted.headers["content-type"][:9])
    assert "Sign in again" in posted.text


def test_a_local_link_lands_on_the_console_and_a_bad_cookie_signs_in_again(
    console: Console,
) -> None:
    """Signed in by cookie, the queue answers; an unknown cookie is sent to sign-in."""
    browser = console.signed_in("ciaran")
    answer, page = _queue(browser)
    assert 200 == answer.status_code, answer.text
    assert "Ciar" in answer.text  # the person's name in the header
    assert page.all("form", action="/console/sign-out")
    stale = console.anonymous().get("/console", headers={"Cookie": "esc_session=nope"})
    assert 303 == stale.status_code
    assert stale.headers["location"].startswith("/v1/auth/sign-in?next=")


def test_a_source_key_is_refused_the_console(console: Console) -> None:
    """The console is for people: a source's API key gets the 403 page."""
    with console.intake.client() as source:
        answer = source.get("/console")
    assert 403 == answer.status_code
    assert "The console is for people" in answer.text
    assert answer.headers["content-type"].startswith("text/html")


def test_the_queue_is_open_visible_escalations_most_urgent_first(console: Console) -> None:
    """Tier first, then the nearest deadline; resolved and need-to-know hidden rows left out."""
    tag = _tag()
    soon, later = NOW + timedelta(minutes=10), NOW + timedelta(hours=3)
    p1_soon = _row(tag, name="p1 soon", tier="P1", acknowledge_by=soon)
    p0_none = _row(tag, name="p0 none", tier="P0")
    p0_later = _row(tag, name="p0 later", tier="P0", resolve_by=later)
    p1_acked = _row(  # acknowledged: its passed acknowledge deadline no longer counts
        tag,
        name="p1 acked",
        tier="P1",
        status="acknowledged",
        acknowledged_at=NOW,
        acknowledge_by=NOW - timedelta(hours=1),
        regulatory_deadline=later,
    )
    resolved = _row(tag, name="resolved", tier="P0", status="resolved", resolved_at=NOW)
    restricted = _row(
        tag,
        name="restricted",
        tier="P0",
        team="child-safety",
        policy_area="child_safety",
        owner="fiadh",
    )
    insert(console.intake.database_url, p1_soon, p0_none, p0_later, p1_acked, resolved, restricted)
    with console.as_token("ciaran") as ciaran:
        answer, page = _queue(ciaran, q=tag)
    assert 200 == answer.status_code, answer.text
    assert [p0_later.id, p0_none.id, p1_soon.id, p1_acked.id] == page.row_ids()
    acks = {a["action"] for a in page.all("form") if a.get("class") == "ack"}
    assert f"/console/escalations/{p1_acked.id}/acknowledge" not in acks
    assert f"/console/escalations/{p1_soon.id}/acknowledge" in acks
    countdowns = page.all("time", data_countdown="")
    assert soon.isoformat() in {c["datetime"] for c in countdowns}
    with console.as_token("roisin") as lead:  # leads child-safety: sees the restricted one
        assert restricted.id in _queue(lead, q=tag)[1].row_ids()


def test_filters_and_search_narrow_the_queue_and_stay_in_the_form(console: Console) -> None:
    """Team, tier, status, mine, policy area, source and search; each kept in the form."""
    tag = _tag()
    mine = _row(tag, name="Mine", owner="ciaran", tier="P2", external_id=f"EXT-{tag}-1")
    other = _row(tag, name="Other", owner="niamh", tier="P3", source="other-tool")
    area = _row(tag, name="Area", owner="niamh", policy_area="spam", status="escalated")
    insert(console.intake.database_url, mine, other, area)
    with console.as_token("ciaran") as ciaran:
        assert [mine.id] == _queue(ciaran, q=tag, mine="1")[1].row_ids()
        assert [other.id] == _queue(ciaran, q=tag, tier="P3")[1].row_ids()
        assert [other.id] == _queue(ciaran, q=tag, source="other-tool")[1].row_ids()
        assert [area.id] == _queue(ciaran, q=tag, policy_area="spam")[1].row_ids()
        assert [area.id] == _queue(ciaran, q=tag, status="escalated")[1].row_ids()
        assert 3 == len(_queue(ciaran, q=tag, team="ts-dublin")[1].row_ids())
        assert [] == _queue(ciaran, q=tag, team="general-ts")[1].row_ids()
        _, page = _queue(ciaran, q=f"ext-{tag.upper()}-1")  # case-insensitive
        assert [mine.id] == page.row_ids()
        assert page.all("input", name="q", value=f"ext-{tag.upper()}-1")
        _, filtered = _queue(ciaran, q=tag, tier="P3", mine="1")
        assert filtered.all("option", value="P3", selected="")
        assert filtered.all("input", name="mine", checked="")
        assert "No open escalations match these filters" in " ".join(filtered.texts)
        wildcard = _queue(ciaran, q="%")[1].row_ids()  # LIKE's wildcard is searched as text
        assert not {mine.id, other.id, area.id} & set(wildcard)


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"tier": "P9"}, "Filter tier: 'P9' is not one of"),
        ({"status": "resolved"}, "Filter status:"),
        ({"team": "<b>nobody</b>"}, "Filter team: '<b>nobody</b>' is not one of"),
        ({"q": "x" * 201}, "Filter q: search text is longer than 200"),
        ({"page": "99999"}, "Filter page:"),
    ],
)
def test_a_bad_filter_is_a_400_page_naming_it(
    console: Console, params: dict[str, str], named: str
) -> None:
    """Never a 500: the page says which filter is wrong, and the rows fragment too."""
    with console.as_token("ciaran") as ciaran:
        answer = ciaran.get("/console", params=params)
        rows = ciaran.get("/console/queue/rows", params=params)
    assert (400, 400) == (answer.status_code, rows.status_code)
    assert named in html.unescape(answer.text)
    assert named in html.unescape(rows.text)
    assert "<b>nobody" not in answer.text + rows.text


def test_an_unknown_parameter_is_an_html_page_not_json(console: Console) -> None:
    """The API's refusal of unknown parameters, shown as a console page."""
    with console.as_token("ciaran") as ciaran:
        answer = ciaran.get("/console", params={"colour": "red"})
        missing = ciaran.get("/console/no/such/page")
    assert (422, "text/html") == (answer.status_code, answer.headers["content-type"][:9])
    assert "colour: unknown query parameter" in answer.text
    assert 404 == missing.status_code
    assert "There is no such page" in missing.text


def test_the_rows_fragment_is_the_table_body_with_the_same_filters(console: Console) -> None:
    """What queue.js swaps in: a <tbody> of the filtered rows, with the page's headers."""
    tag = _tag()
    first, second = _row(tag, tier="P0"), _row(tag, tier="P1")
    insert(console.intake.database_url, first, second)
    with console.as_token("ciaran") as ciaran:
        _, page = _queue(ciaran, q=tag, tier="P1")
        (table,) = page.all("table", id="queue")
        rows = ciaran.get(str(table["data-rows"]))
    assert 200 == rows.status_code
    assert rows.text.lstrip().startswith('<tbody id="queue-rows">')
    assert [second.id] == Page(rows.text).row_ids()
    assert "default-src 'none'" in rows.headers["content-security-policy"]


def test_acknowledge_from_the_queue_with_the_sessions_csrf_token(console: Console) -> None:
    """The form posts the API's command (same event, same audit entry) and comes back."""
    tag = _tag()
    row = _row(tag, owner="ciaran")
    insert(console.intake.database_url, row)
    browser = console.signed_in("ciaran")
    _, page = _queue(browser, q=tag)
    (back,) = {a["value"] for a in page.all("input", name="back")}
    assert f"/console?q={tag}" == back
    refused = browser.post(f"/console/escalations/{row.id}/acknowledge", data={"back": back})
    assert 403 == refused.status_code
    assert "security token" in refused.text
    forged = {"back": back, "csrf_token": "forged"}
    assert (
        403 == browser.post(f"/console/escalations/{row.id}/acknowledge", data=forged).status_code
    )
    assert [] == console.intake.events(row.id)
    form = {"back": back, "csrf_token": _csrf(page)}
    done = browser.post(f"/console/escalations/{row.id}/acknowledge", data=form)
    assert 303 == done.status_code, done.text
    assert f"/console?q={tag}&done=acknowledged" == done.headers["location"]
    (event,) = console.intake.events(row.id)
    assert ("acknowledge_requested", "ciaran") == (
        event["type"].split(".")[-1],
        event["data"]["by"],
    )
    shown = browser.get(done.headers["location"])
    assert "Acknowledgement sent" in shown.text
    with console.intake.client() as admin:
        audit = admin.get("/v1/audit", params={"actor": "ciaran", "subject_id": row.id})
    assert [("escalation.acknowledge", {"by": "ciaran"})] == [
        (e["action"], e["detail"]) for e in audit.json()["items"]
    ]


def test_acknowledge_is_refused_as_the_api_refuses_it(console: Console) -> None:
    """Not visible: 404 like a missing one; a viewer: 403; a hostile `back` is not followed."""
    tag = _tag()
    hidden = _row(tag, team="child-safety", policy_area="child_safety", owner="fiadh")
    plain = _row(tag, owner="niamh")
    insert(console.intake.database_url, hidden, plain)
    with console.as_token("ciaran") as ciaran:
        missing = ciaran.post(f"/console/escalations/{hidden.id}/acknowledge", data={})
        assert 404 == missing.status_code
        assert f"no escalation with id '{hidden.id}'" in html.unescape(missing.text)
        nowhere = str(uuid.uuid4())
        absent = ciaran.post(f"/console/escalations/{nowhere}/acknowledge", data={})
        assert 404 == absent.status_code
        assert absent.text.replace(nowhere, hidden.id) == missing.text
        away = {"back": "https://evil.example/console"}
        sent = ciaran.post(f"/console/escalations/{plain.id}/acknowledge", data=away)
        assert (303, "/console?done=acknowledged") == (sent.status_code, sent.headers["location"])
    with console.as_token("clodagh") as viewer:
        refused = viewer.post(f"/console/escalations/{plain.id}/acknowledge", data={})
        assert 403 == refused.status_code
        assert Page(refused.text).all("table", id="queue")  # the queue, with the error
        back = {"back": f"/console/escalations/{plain.id}"}
        from_page = viewer.post(f"/console/escalations/{plain.id}/acknowledge", data=back)
        assert 403 == from_page.status_code  # the escalation page, with the error
        assert 'role="alert"' in from_page.text
        assert f"/console/escalations/{plain.id}/live" in from_page.text
        assert not Page(from_page.text).all("table", id="queue")
        assert not Page(viewer.get("/console", params={"q": tag}).text).all("form", class_="ack")
    assert [] == console.intake.events(hidden.id)


HOSTILE = [
    '<script>alert("x")</script><img src=x onerror=alert(1)>',
    "bell\x07 nul-ish\x1b[31m red \x7f del",
    "W" * 200,
]


def test_hostile_titles_are_shown_as_text(console: Console) -> None:
    """Markup is escaped, control characters replaced, 200 characters wrap; no new elements."""
    tag = _tag()
    rows = [_row(tag, name=title[: 200 - len(tag) - 1]) for title in HOSTILE]
    insert(console.intake.database_url, *rows)
    with console.as_token("ciaran") as ciaran:
        answer, page = _queue(ciaran, q=tag)
    assert 200 == answer.status_code
    assert sorted(r.id for r in rows) == sorted(page.row_ids())
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in answer.text
    assert not page.all("img")
    assert not [a for a in page.all("script") if not a.get("src")]
    assert not any(c in answer.text for c in "\x07\x1b\x7f")
    assert "bell\ufffd" in answer.text
    assert "W" * (200 - len(tag) - 1) in answer.text


def test_pages_carry_the_policy_and_no_inline_script_or_style(console: Console) -> None:
    """Every element parsed: no inline script, no <style>, no style= or on*= attributes."""
    browser = console.signed_in("ciaran")
    for path in ("/console", "/console/no-such-page", "/console?tier=bad"):
        answer = browser.get(path)
        policy = answer.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert ("nosniff", "same-origin") == (
            answer.headers["x-content-type-options"],
            answer.headers["referrer-policy"],
        )
        page = Page(answer.text)
        assert not page.all("style")
        assert all(a.get("src") for a in page.all("script")), path
        for tag, attrs in page.elements:
            bad = [n for n in attrs if n == "style" or n.startswith("on")]
            assert not bad, (path, tag, bad)
        assert len(answer.content) < 300 * 1024


def test_static_files_are_served_with_a_public_cache(console: Console) -> None:
    """Our CSS and scripts, with their types; anything else is the 404 page."""
    client = console.anonymous()
    css = client.get("/console/static/console.css")
    assert (200, "text/css") == (css.status_code, css.headers["content-type"][:8])
    assert "public, max-age=3600" == css.headers["cache-control"]
    script = client.get("/console/static/queue.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert 404 == client.get("/console/static/render.py").status_code
    assert 404 == client.get("/console/static/..%2Frender.py").status_code

"""The Handoffs page ``/console/handoffs`` and its "Leave a note for the next shift" form.

The packets are stored as the router stores them (tests/e2e/intake/handoff_rows.py); the
form posts the API's note route, with its audit entry (docs/console.md, "Handoffs"). The
demo configuration is in force: ciaran and niamh are on ts-dublin's schedule, liam on
general-ts's, clodagh a viewer on no team, aoife an admin and ts-dublin's lead.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.console.conftest import Console, Page
from tests.e2e.console.escalation_rows import csrf, page_text
from tests.e2e.intake.handoff_rows import HOSTILE, handoff, item, note, replace
from tests.support import person_token

pytestmark = pytest.mark.e2e
TEAM = "ts-dublin"
PAGE = f"/console/handoffs?team={TEAM}"
FORM = f"/console/handoffs/{TEAM}/notes"


def _stored(console: Console) -> tuple[str, str]:
    """Store an earlier and a latest handoff of ts-dublin; return the latest's items' ids."""
    now = datetime.now(UTC)
    due = item(f"Due soon {HOSTILE}", "P0", due_in_shift=now + timedelta(hours=1))
    later = item("Later one", "P2", status="acknowledged", owner=None)
    earlier = handoff(TEAM, now - timedelta(hours=10), notes=(note("EARLIER-NOTE"),))
    latest = handoff(
        TEAM, now - timedelta(hours=2), open_items=(due, later), notes=(note(f"N {HOSTILE}"),)
    )
    replace(console.intake.database_url, TEAM, earlier, latest)
    return due.id, later.id


def test_the_latest_packet_and_the_earlier_ones(console: Console) -> None:
    """Who handed to whom, open items linked by urgency, due in shift, notes; earlier in details."""
    due, later = _stored(console)
    browser = console.signed_in("ciaran")
    answer = browser.get(PAGE)
    assert 200 == answer.status_code, answer.text
    page = Page(answer.text)
    text = page_text(page)
    links = [a["href"] for a in page.all("a") if "/console/escalations/" in str(a["href"])]
    assert [f"/console/escalations/{due}", f"/console/escalations/{later}"] == links[:2]
    assert "Handed over by Ciarán Walsh To Niamh O'Connor" in text
    assert "Due in your shift" in text
    assert "1 unacknowledged" in text
    assert "EARLIER-NOTE" in text
    assert len(page.all("details")) == 1
    assert page.all("a", href="/console/handoffs", aria_current="page")
    assert page.all("form", action=FORM)


def test_hostile_titles_and_notes_are_escaped(console: Console) -> None:
    """Markup is shown as text, control characters as U+FFFD; nothing becomes an element."""
    _stored(console)
    browser = console.signed_in("ciaran")
    html = browser.get(PAGE).text
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "\x07" not in html
    assert "\x1b" not in html
    assert "\ufffd" in html
    assert not Page(html).all("img")


def test_a_note_is_left_audited_and_listed_for_the_next_shift(console: Console) -> None:
    """303 back with done=noted; the note is in the list and the audit log has the API's entry."""
    _stored(console)
    browser = console.signed_in("ciaran")
    token = csrf(Page(browser.get(PAGE).text))
    marker = f"Pin {uuid.uuid4().hex[:6]} {HOSTILE}"
    sent = browser.post(FORM, data={"csrf_token": token, "text": f"  {marker} "})
    assert (303, f"{PAGE}&done=noted") == (sent.status_code, sent.headers["location"])
    shown = browser.get(sent.headers["location"])
    assert "Note saved" in shown.text
    assert "Pin " + marker.split()[1] in page_text(Page(shown.text))
    with console.intake.client() as admin:
        found = admin.get("/v1/audit", params={"actor": "ciaran", "subject_id": TEAM})
        notes = admin.get(f"/v1/teams/{TEAM}/handoff-notes").json()["notes"]
    (mine,) = [n for n in notes if n["text"] == marker]
    entries = [e["detail"] for e in found.json()["items"] if e["action"] == "team.handoff_note"]
    assert {"note": mine["id"], "by": "ciaran"} in entries


def test_blank_text_re_renders_with_what_was_typed(console: Console) -> None:
    """Blank text is 422 with the page again, the error named, the text area as typed."""
    browser = console.signed_in("ciaran")
    token = csrf(Page(browser.get(PAGE).text))
    answer = browser.post(FORM, data={"csrf_token": token, "text": "   "})
    assert 422 == answer.status_code
    assert "text: Text should not be blank" in answer.text
    assert ">   </textarea>" in answer.text
    hostile = "<b>bold</b>" + "x" * 5000
    long = browser.post(FORM, data={"csrf_token": token, "text": hostile})
    assert 422 == long.status_code
    assert "&lt;b&gt;bold&lt;/b&gt;" in long.text
    assert "<b>bold</b>" not in long.text


def test_outsiders_viewers_and_unknown_teams(console: Console) -> None:
    """Another team's responder 403 (page and form); a viewer on no team is told so; 404 hinted."""
    liam = console.signed_in("liam")
    assert 403 == liam.get(PAGE).status_code
    token = csrf(Page(liam.get("/console/handoffs").text))
    refused = liam.post(FORM, data={"csrf_token": token, "text": "hello"})
    assert 403 == refused.status_code
    assert "may not handoff_notes.write on team" in refused.text
    own = Page(liam.get("/console/handoffs").text)
    assert not own.all("select", name="team")  # one team: no chooser
    clodagh = console.signed_in("clodagh")
    told = clodagh.get("/console/handoffs")
    assert 200 == told.status_code
    assert "you are on no team" in told.text
    missing = console.signed_in("aoife").get("/console/handoffs?team=ts-dublinn")
    assert 404 == missing.status_code
    assert "did you mean" in missing.text


def test_an_admin_chooses_among_teams(console: Console) -> None:
    """An admin sees every team in the chooser, the first by default."""
    page = Page(console.signed_in("aoife").get("/console/handoffs").text)
    options = [o["value"] for o in page.all("option")]
    assert {"ts-dublin", "child-safety", "legal-regulatory", "general-ts"} <= set(options)


def test_a_form_without_its_csrf_token_is_refused(console: Console) -> None:
    """A cookie-authenticated post without the token is 403 and stores nothing."""
    browser = console.signed_in("ciaran")
    marker = f"no-token-{uuid.uuid4().hex[:6]}"
    answer = browser.post(FORM, data={"text": marker})
    assert 403 == answer.status_code
    with console.intake.client() as admin:
        notes = admin.get(f"/v1/teams/{TEAM}/handoff-notes").json()["notes"]
    assert marker not in {n["text"] for n in notes}


def test_tokens_post_without_csrf_and_a_read_only_one_may_not(console: Console) -> None:
    """A bearer token needs no CSRF token; a read-only one sees no form and is refused."""
    with console.as_token("ciaran") as display:
        sent = display.post(FORM, data={"text": "from a wall display"})
        assert (303, f"{PAGE}&done=noted") == (sent.status_code, sent.headers["location"])
    intake = console.intake
    read_only = person_token(intake.base_url, intake.admin_key, "ciaran", ("escalations:read",))
    with intake.client(read_only) as reader:
        page = reader.get(PAGE)
        assert 200 == page.status_code
        assert not Page(page.text).all("form", action=FORM)
        refused = reader.post(FORM, data={"text": "read only"})
        assert 403 == refused.status_code
        assert "may only read here (no escalations:act)" in refused.text
        assert ">read only</textarea>" not in refused.text  # no form offered to refill

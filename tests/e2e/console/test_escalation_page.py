"""The console's escalation page through a real intake and Postgres (docs/console.md).

What it shows, what it hides until the reveal form is posted, and whom it shows nothing
(the 404 page). Rows are stored as the router would (``escalation_rows``); the console's
intake publishes to a broker no router reads, so what it sends is read back from the topic.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tests.e2e.console.conftest import Console, Page
from tests.e2e.console.escalation_rows import (
    NOW,
    RECORD,
    SECRET,
    SENSITIVE_REQUEST,
    audit,
    csrf,
    delivery,
    get,
    history,
    page_text,
    stored,
    types,
)
from tests.e2e.intake.rows import insert

pytestmark = pytest.mark.e2e


def test_the_page_shows_reasons_record_history_deliveries_and_links(console: Console) -> None:
    """Everything of one escalation, with countdowns; never a delivery's body."""
    row = stored(follows=str(uuid.uuid4()), reports=4, acknowledge_by=NOW + timedelta(minutes=9))
    insert(
        console.intake.database_url,
        row,
        history(row.id, "router", "assigned", "owner ciaran"),
        history(row.id, "niamh", "resolve_refused", "niamh is not on duty"),
        delivery(row.id, "ciaran", "webhook", "sent"),
        delivery(row.id, "sean", "email", "retrying"),
    )
    with console.as_token("ciaran") as ciaran:
        answer, page = get(ciaran, row.id)
    assert 200 == answer.status_code, answer.text
    text = page_text(page)
    for shown in (
        "hate_speech severity",  # the priority reason
        "threats-rule",  # the matched rule
        "fewest open of the qualified",  # why the chosen candidate
        "opted out of graphic_violence",  # why another was not
        "Niamh O'Connor",  # a candidate and an actor, by name
        "niamh is not on duty",  # a history reason
        "4 reports merged",
        "retrying",
    ):
        assert shown in text, shown
    assert "BODY-NEVER-SHOWN" not in answer.text
    rows = [t for t, a in page.elements if t == "tr"]
    assert len(rows) >= 2 + 2 + 2  # candidates, history, deliveries
    assert page.all("a", href=f"/console/escalations/{row.follows}")
    due = {a["datetime"] for a in page.all("time", data_countdown="")}
    assert {row.acknowledge_by.isoformat(), row.resolve_by.isoformat()} <= due
    assert page.all("section", id="live", data_live=f"/console/escalations/{row.id}/live")
    assert page.all("script", src="/console/static/escalation.js")
    actions = {a["action"] for a in page.all("form")}
    base = f"/console/escalations/{row.id}"
    assert {f"{base}/acknowledge", f"{base}/resolve"} <= actions
    assert f"{base}/reassign" not in actions  # ciaran is a responder, not a lead


def test_the_live_block_is_the_state_history_and_deliveries(console: Console) -> None:
    """What escalation.js swaps in: the block alone, with the page's headers; 404 if hidden."""
    row = stored(status="acknowledged", acknowledged_at=NOW)
    insert(console.intake.database_url, row, history(row.id, "ciaran", "acknowledged", None))
    with console.as_token("ciaran") as ciaran:
        live = ciaran.get(f"/console/escalations/{row.id}/live")
        missing = ciaran.get(f"/console/escalations/{uuid.uuid4()}/live")
    assert 200 == live.status_code
    assert live.text.lstrip().startswith('<div id="escalation-live" data-status="acknowledged">')
    assert "default-src 'none'" in live.headers["content-security-policy"]
    assert "<html" not in live.text
    assert 404 == missing.status_code


def test_sensitive_content_is_hidden_until_the_reveal_form_is_posted(console: Console) -> None:
    """Hidden as the API hides it; the reveal publishes and audits once; a reload hides it."""
    row = stored(policy_area="graphic_violence", request=SENSITIVE_REQUEST)
    insert(console.intake.database_url, row)
    browser = console.signed_in("ciaran")
    answer, page = get(browser, row.id)
    assert 200 == answer.status_code
    for hidden in (SECRET, "clip-9-id", "example.com/clip"):
        assert hidden not in answer.text
    assert "Graphic clip at [url]" in page_text(page)
    (form,) = page.all("form", action=f"/console/escalations/{row.id}/reveal")
    refused = browser.post(str(form["action"]), data={})
    assert 403 == refused.status_code
    assert SECRET not in refused.text
    assert [] == console.intake.events(row.id)
    revealed = browser.post(str(form["action"]), data={"csrf_token": csrf(page)})
    assert 200 == revealed.status_code, revealed.text
    assert SECRET in revealed.text
    assert "clip-9-id" in revealed.text
    assert "no-store" in revealed.headers["cache-control"]
    assert not Page(revealed.text).all("section", id="live", data_live="")
    assert [("reveal_requested", "ciaran")] == types(console, row.id)
    assert [("escalation.reveal", {"by": "ciaran"})] == audit(console, "ciaran", row.id)
    again = browser.get(f"/console/escalations/{row.id}")
    assert SECRET not in again.text


def test_revealing_content_that_was_never_hidden_counts_nothing(console: Console) -> None:
    """An ordinary escalation: the page, no event, no audit entry, as the API answers."""
    row = stored()
    insert(console.intake.database_url, row)
    with console.as_token("ciaran") as ciaran:
        page = get(ciaran, row.id)[1]
        assert not page.all("form", action=f"/console/escalations/{row.id}/reveal")
        shown = ciaran.post(f"/console/escalations/{row.id}/reveal")
    assert 200 == shown.status_code
    assert [] == console.intake.events(row.id)
    assert [] == audit(console, "ciaran", row.id)


def test_a_restricted_escalation_of_another_team_is_the_404_page(console: Console) -> None:
    """Identical to a missing id, on the page, its block and every form."""
    record = {**RECORD, "paged": ["fiadh"]}  # ciaran was not paged: need-to-know hides it
    row = stored(team="child-safety", policy_area="child_safety", owner="fiadh", assignment=record)
    insert(console.intake.database_url, row)
    ghost = str(uuid.uuid4())
    with console.as_token("ciaran") as ciaran:
        hidden, missing = get(ciaran, row.id)[0], get(ciaran, ghost)[0]
        assert (404, 404) == (hidden.status_code, missing.status_code)
        assert hidden.text.replace(row.id, "ID") == missing.text.replace(ghost, "ID")
        for path in ("live", "reveal", "resolve", "reassign", "acknowledge"):
            method = ciaran.get if path == "live" else ciaran.post
            assert 404 == method(f"/console/escalations/{row.id}/{path}").status_code, path
        assert 404 == get(ciaran, "x" * 400)[0].status_code
    with console.as_token("roisin") as lead:  # leads child-safety
        assert 200 == get(lead, row.id)[0].status_code
    assert [] == console.intake.events(row.id)


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>\x07\x1b[31m\x7f'


def test_hostile_content_is_shown_as_text(console: Console) -> None:
    """Markup escaped, control characters replaced, very long fields kept and wrapped."""
    long = "L" * 20_000
    request = {"title": "Hostile " + HOSTILE, "policy_area": "hate_speech", "description": long}
    record = {
        **RECORD,
        "summary": HOSTILE,
        "candidates": [{**RECORD["candidates"][0], "reason": HOSTILE}],
    }
    row = stored(title="Hostile", request=request, assignment=record)
    insert(
        console.intake.database_url,
        row,
        history(row.id, "router", "assigned", HOSTILE),
        delivery(row.id, "sean" + HOSTILE[:40], "webhook", "sent"),
    )
    with console.as_token("ciaran") as ciaran:
        answer, page = get(ciaran, row.id)
        live = ciaran.get(f"/console/escalations/{row.id}/live")
    assert 200 == answer.status_code
    for html in (answer.text, live.text):
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
        assert not any(c in html for c in "\x07\x1b\x7f")
    assert not page.all("img")
    assert not [a for a in page.all("script") if not a.get("src")]
    for _tag, attrs in page.elements:
        assert not [n for n in attrs if n == "style" or n.startswith("on")]
    assert long in answer.text
    assert len(answer.content) < 300 * 1024

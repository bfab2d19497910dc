"""The escalation page's updates: the "Post an update" and "Add a note" forms, and the list.

The forms post the API's update command with the same audit entry (docs/console.md,
"Escalation page"; docs/contract/http-api.md, "Status updates"); they are offered and
accepted by the API's rules. The console's intake publishes to a broker no router reads,
so what it sends is read back from the topic; stored updates are written as the router
writes them.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from escalations.db.models_updates import UpdateRow
from tests.e2e.console.conftest import Console, Page
from tests.e2e.console.escalation_rows import (
    NOW,
    RECORD,
    SENSITIVE_REQUEST,
    audit,
    csrf,
    get,
    page_text,
    stored,
)
from tests.e2e.intake.rows import insert

pytestmark = pytest.mark.e2e


def _update(esc_id: str, text: str, audience: str = "stakeholders", seconds: int = 0) -> UpdateRow:
    return UpdateRow(
        id=str(uuid.uuid4()),
        escalation_id=esc_id,
        audience=audience,
        text=text,
        by="ciaran",
        at=NOW + timedelta(seconds=seconds),
    )


def _commands(console: Console, esc_id: str) -> list[dict[str, object]]:
    return [
        e["data"]
        for e in console.intake.events(esc_id)
        if e["type"] == "escalation.update_requested"
    ]


def test_the_forms_post_the_apis_update_command_and_audit(console: Console) -> None:
    """An update and a note: 303 back with a flash; the commands and audit entries of the API."""
    row = stored(owner="ciaran")
    insert(console.intake.database_url, row)
    browser = console.signed_in("ciaran")
    page = get(browser, row.id)[1]
    base = f"/console/escalations/{row.id}"
    assert page.all("form", action=f"{base}/updates")
    assert page.all("form", action=f"{base}/notes")
    assert {"team", "stakeholders", "requester"} <= {o["value"] for o in page.all("option")}
    token = csrf(page)
    form = {"csrf_token": token, "audience": "requester", "text": " We removed the pin. "}
    sent = browser.post(f"{base}/updates", data=form)
    assert (303, f"{base}?done=updated") == (sent.status_code, sent.headers["location"])
    assert (
        "Update sent: the router adds it in a moment" in browser.get(sent.headers["location"]).text
    )
    noted = browser.post(f"{base}/notes", data={"csrf_token": token, "note_text": "called legal"})
    assert (303, f"{base}?done=noted") == (noted.status_code, noted.headers["location"])
    assert [("requester", "We removed the pin."), ("team", "called legal")] == [
        (c["audience"], c["text"]) for c in _commands(console, row.id)
    ]
    assert {("person:ciaran", "ciaran")} == {
        (c["source"], c["by"]) for c in _commands(console, row.id)
    }
    entries = audit(console, "ciaran", row.id)
    assert ["requester", "team"] == sorted(detail["audience"] for _, detail in entries)
    assert {("escalation.update", "ciaran")} == {(action, d["by"]) for action, d in entries}
    assert "We removed" not in str(entries)  # the text never goes to the audit log
    missing = browser.post(f"{base}/updates", data={"audience": "team", "text": "x"})
    assert 403 == missing.status_code  # no CSRF token: nothing sent
    assert 2 == len(_commands(console, row.id))


@pytest.mark.parametrize(
    ("path", "form", "named"),
    [
        (
            "updates",
            {"audience": "everyone", "text": "kept <b>text</b>"},
            "audience: Input should be",
        ),
        ("updates", {"audience": "team", "text": "   "}, "text: "),
        ("updates", {"audience": "team", "text": "n" * 5001}, "text: longer than 5000"),
        ("notes", {"note_text": ""}, "note_text: "),
    ],
)
def test_a_bad_form_re_renders_the_page_naming_the_field(
    console: Console, path: str, form: dict[str, str], named: str
) -> None:
    """422 with the page and the error; what was typed is kept, escaped; nothing published."""
    row = stored()
    insert(console.intake.database_url, row)
    with console.as_token("ciaran") as ciaran:
        answer = ciaran.post(f"/console/escalations/{row.id}/{path}", data=form)
    assert 422 == answer.status_code, answer.text
    page = Page(answer.text)
    assert named in page_text(page)
    assert page.all("section", id="live")  # the page itself, not an error page
    if "<b>" in form.get("text", ""):
        assert "kept &lt;b&gt;text&lt;/b&gt;" in answer.text
    assert [] == _commands(console, row.id)


def test_the_page_and_its_live_block_show_the_updates_escaped(console: Console) -> None:
    """Newest first with the audience badge, who and when; markup and controls are inert."""
    row = stored()
    hostile = "<script>alert(1)</script>\x1b[31m <img src=x onerror=alert(2)>"
    insert(
        console.intake.database_url,
        row,
        _update(row.id, "first: checked", "team", 0),
        _update(row.id, hostile + " " + "w" * 4000, "requester", 1),
    )
    with console.as_token("ciaran") as ciaran:
        answer, page = get(ciaran, row.id)
        live = ciaran.get(f"/console/escalations/{row.id}/live")
    assert 200 == answer.status_code
    for html in (answer.text, live.text):
        assert "<script>alert(1)" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "\x1b" not in html
    badges = [str(a["class"]) for a in page.all("span") if "audience-" in str(a.get("class"))]
    assert ["audience audience-requester", "audience audience-team"] == badges
    shown = page_text(page)
    assert shown.index("Requester") < shown.index("first: checked")
    assert "Ciarán" in shown or "ciaran" in shown


def test_a_sensitive_escalations_updates_hide_urls_until_revealed(console: Console) -> None:
    """As the API's read: ``[url]`` on the page and in the live block; the reveal shows them."""
    row = stored(policy_area="graphic_violence", request=SENSITIVE_REQUEST)
    insert(console.intake.database_url, row, _update(row.id, "mirror at https://example.com/m/1"))
    browser = console.signed_in("ciaran")
    answer, page = get(browser, row.id)
    assert "mirror at [url]" in page_text(page)
    assert "example.com/m/1" not in answer.text
    live = browser.get(f"/console/escalations/{row.id}/live")
    assert "example.com/m/1" not in live.text
    revealed = browser.post(
        f"/console/escalations/{row.id}/reveal", data={"csrf_token": csrf(page)}
    )
    assert "https://example.com/m/1" in revealed.text


def test_the_forms_follow_the_apis_rules(console: Console) -> None:
    """Paged off-team may post; a viewer and an uninvolved outsider may not; resolved: no forms."""
    paged = {**RECORD, "paged": ["ciaran", "tomas"]}
    row = stored(assignment=paged)
    resolved = stored(status="resolved", resolved_at=NOW)
    hidden = stored(policy_area="child_safety", team="child-safety", owner="fiadh")
    insert(console.intake.database_url, row, resolved, hidden)
    base = f"/console/escalations/{row.id}"
    with console.as_token("tomas") as tomas:  # legal-regulatory, paged for this one
        assert get(tomas, row.id)[1].all("form", action=f"{base}/updates")
        sent = tomas.post(f"{base}/notes", data={"note_text": "legal is aware"})
    assert 303 == sent.status_code, sent.text
    with console.as_token("liam") as liam:  # general-ts, not involved
        page = get(liam, row.id)[1]
        assert not page.all("form", action=f"{base}/updates")
        refused = liam.post(f"{base}/updates", data={"audience": "team", "text": "x"})
        hidden_page = liam.post(f"/console/escalations/{hidden.id}/notes", data={"note_text": "x"})
    assert 403 == refused.status_code
    assert "'liam' may not escalations.act on team 'ts-dublin'" in page_text(Page(refused.text))
    assert 404 == hidden_page.status_code
    with console.as_token("clodagh") as viewer:
        assert (
            403
            == viewer.post(f"{base}/updates", data={"audience": "team", "text": "x"}).status_code
        )
    with console.as_token("ciaran") as ciaran:
        assert not get(ciaran, resolved.id)[1].all(
            "form", action=f"/console/escalations/{resolved.id}/updates"
        )
    assert [("tomas", "team", "legal is aware")] == [
        (c["by"], c["audience"], c["text"]) for c in _commands(console, row.id)
    ]
    assert [] == _commands(console, hidden.id)

"""The escalation page's Followers section: follow, stop following, add and remove e-mails.

The forms post the API's subscription routes, with their checks and audit entries
(docs/console.md, "Escalation page"; docs/contract/http-api.md, "Subscriptions"). The demo
configuration is in force: ciaran owns the stored escalations (ts-dublin), liam is on
general-ts, clodagh a viewer; its rule ``comms-press`` follows P0-P1 press inquiries.
"""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.console.conftest import Console
from tests.e2e.console.escalation_rows import audit, csrf, get, page_text, stored
from tests.e2e.intake.handoff_rows import HOSTILE
from tests.e2e.intake.rows import insert

pytestmark = pytest.mark.e2e


def _stored(console: Console, **changes: object) -> str:
    row = stored(owner="ciaran", **changes)
    insert(console.intake.database_url, row)
    return str(row.id)


def _followers(console: Console, esc_id: str) -> list[tuple[str, str, str]]:
    with console.intake.client() as admin:
        listed = admin.get(f"/v1/escalations/{esc_id}/subscriptions").json()
    return [(s["kind"], s["target"], s["created_by"]) for s in listed["subscriptions"]]


def test_follow_and_stop_following(console: Console) -> None:
    """Follow: 303 done=followed, the row and "Stop following"; stop: done=unfollowed, gone."""
    esc_id = _stored(console)
    base = f"/console/escalations/{esc_id}"
    browser = console.signed_in("ciaran")
    page = get(browser, esc_id)[1]
    assert page.all("form", action=f"{base}/follow")
    sent = browser.post(f"{base}/follow", data={"csrf_token": csrf(page)})
    assert (303, f"{base}?done=followed") == (sent.status_code, sent.headers["location"])
    assert [("person", "ciaran", "ciaran")] == _followers(console, esc_id)
    answer, page = get(browser, esc_id, done="followed")
    assert "You follow this escalation" in answer.text
    # "Stop following" and the row's own remove button post the same route.
    (stop,) = {str(f["action"]) for f in page.all("form") if str(f["action"]).endswith("/remove")}
    assert not page.all("form", action=f"{base}/follow")
    assert "Stop following" in page_text(page)
    again = browser.post(stop, data={"csrf_token": csrf(page)})
    assert (303, f"{base}?done=unfollowed") == (again.status_code, again.headers["location"])
    assert [] == _followers(console, esc_id)
    actions = [a for a, _ in audit(console, "ciaran", esc_id)]
    assert {"escalation.subscribe", "escalation.unsubscribe"} <= set(actions)


def test_the_owner_adds_and_removes_an_email_follower(console: Console) -> None:
    """An address is added (done=follower_added), listed, then removed by its row's button."""
    esc_id = _stored(console)
    base = f"/console/escalations/{esc_id}"
    browser = console.signed_in("ciaran")
    page = get(browser, esc_id)[1]
    address = f"comms-{uuid.uuid4().hex[:6]}@example.com"
    sent = browser.post(
        f"{base}/followers", data={"csrf_token": csrf(page), "follower_email": address}
    )
    assert (303, f"{base}?done=follower_added") == (sent.status_code, sent.headers["location"])
    assert [("email", address, "ciaran")] == _followers(console, esc_id)
    page = get(browser, esc_id)[1]
    assert address in page_text(page)
    (remove,) = [f for f in page.all("form") if str(f["action"]).endswith("/remove")]
    gone = browser.post(str(remove["action"]), data={"csrf_token": csrf(page)})
    assert (303, f"{base}?done=follower_removed") == (gone.status_code, gone.headers["location"])
    assert [] == _followers(console, esc_id)


def test_a_bad_address_re_renders_escaped_with_what_was_typed(console: Console) -> None:
    """A hostile address is 422 naming ``email``; the field keeps it, escaped; nothing stored."""
    esc_id = _stored(console)
    browser = console.signed_in("ciaran")
    page = get(browser, esc_id)[1]
    typed = f"x{HOSTILE}@example.com"
    answer = browser.post(
        f"/console/escalations/{esc_id}/followers",
        data={"csrf_token": csrf(page), "follower_email": typed},
    )
    assert 422 == answer.status_code
    assert "email: String should match pattern" in answer.text
    assert "<script>alert" not in answer.text
    assert "&lt;script&gt;" in answer.text
    assert [] == _followers(console, esc_id)


def test_a_viewer_may_follow_but_not_add_others(console: Console) -> None:
    """clodagh (viewer) follows herself; she has no add form and adding is 403 with the page."""
    esc_id = _stored(console)
    base = f"/console/escalations/{esc_id}"
    browser = console.signed_in("clodagh")
    page = get(browser, esc_id)[1]
    assert not page.all("form", action=f"{base}/followers")
    token = csrf(page)
    followed = browser.post(f"{base}/follow", data={"csrf_token": token})
    assert 303 == followed.status_code
    refused = browser.post(
        f"{base}/followers", data={"csrf_token": token, "follower_email": "x@example.com"}
    )
    assert 403 == refused.status_code
    assert "a viewer only reads" in refused.text
    assert [("person", "clodagh", "clodagh")] == _followers(console, esc_id)


def test_another_teams_responder_may_not_remove_others(console: Console) -> None:
    """liam sees no remove button on ciaran's follow, and removing it is 403."""
    esc_id = _stored(console)
    ciaran = console.signed_in("ciaran")
    page = get(ciaran, esc_id)[1]
    ciaran.post(f"/console/escalations/{esc_id}/follow", data={"csrf_token": csrf(page)})
    liam = console.signed_in("liam")
    page = get(liam, esc_id)[1]
    assert not [f for f in page.all("form") if str(f["action"]).endswith("/remove")]
    with console.intake.client() as admin:
        (sid,) = [
            s["id"]
            for s in admin.get(f"/v1/escalations/{esc_id}/subscriptions").json()["subscriptions"]
        ]
    refused = liam.post(
        f"/console/escalations/{esc_id}/followers/{sid}/remove", data={"csrf_token": csrf(page)}
    )
    assert 403 == refused.status_code
    missing = liam.post(
        f"/console/escalations/{esc_id}/followers/not-a-uuid/remove",
        data={"csrf_token": csrf(page)},
    )
    assert 404 == missing.status_code


def test_matching_rules_are_named_and_a_resolved_one_takes_no_followers(console: Console) -> None:
    """A P1 press inquiry names ``comms-press``; resolved: no Follow, and following is 409."""
    press = {"title": "Press", "policy_area": "hate_speech", "signals": {"press_inquiry": True}}
    esc_id = _stored(console, tier="P1", request=press)
    browser = console.signed_in("ciaran")
    assert "comms-press" in page_text(get(browser, esc_id)[1])
    closed = _stored(console, status="resolved")
    page = get(browser, closed)[1]
    assert not page.all("form", action=f"/console/escalations/{closed}/follow")
    assert not page.all("form", action=f"/console/escalations/{closed}/followers")
    refused = browser.post(f"/console/escalations/{closed}/follow", data={"csrf_token": csrf(page)})
    assert 409 == refused.status_code
    assert "nothing left to follow" in refused.text


def test_csrf_is_required(console: Console) -> None:
    """A cookie-authenticated follow without the form's token is 403 and follows nothing."""
    esc_id = _stored(console)
    browser = console.signed_in("ciaran")
    assert 403 == browser.post(f"/console/escalations/{esc_id}/follow", data={}).status_code
    assert [] == _followers(console, esc_id)

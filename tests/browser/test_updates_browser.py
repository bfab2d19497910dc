"""Status updates in a real browser: post an update and a note, watch them appear.

docs/console.md, "Escalation page": "Post an update" and "Add a note" post the API's update
command; the router stores the update and the live block shows it without a reload, with
its audience badge, who and when. The page with updates stays axe-clean.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.checks import check_accessibility
from tests.browser.conftest import Pages
from tests.browser.every_page import load
from tests.browser.stack import Console
from tests.support import wait_for

pytestmark = pytest.mark.browser

LIVE_WITHIN_MS = 5000


def stored(console: Console) -> dict[str, Any]:
    """Report a threat with a unique title; wait until the router assigned it; return it."""
    accepted = console.post_escalation(title=f"Update threat {uuid.uuid4().hex[:8]}")

    def assigned() -> dict[str, Any] | None:
        found = console.escalation(accepted["id"])
        return found if found and found.get("owner") else None

    found: dict[str, Any] = wait_for(assigned, what=f"{accepted['id']} stored with an owner")
    return found


def updates(page: Page) -> Any:
    """Return the live block's list of updates."""
    return page.locator("#escalation-live ol.updates > li")


def test_post_an_update_and_a_note_from_the_page(page_for: Pages, console: Console) -> None:
    """The owner posts for stakeholders, then a note; both appear live, newest first."""
    esc = stored(console)
    owner = esc["owner"]
    page = page_for(owner)
    path = f"/console/escalations/{esc['id']}"
    load(page, path)
    expect(page.locator("#escalation-live")).to_contain_text("No updates posted yet")
    page.get_by_label("Audience").select_option("stakeholders")
    page.get_by_label("Update", exact=True).fill("Pin removed <b>in IE</b>; legal informed")
    page.get_by_role("button", name="Post update").click()
    page.wait_for_url(re.compile(r"done=updated"))
    expect(page.get_by_role("status")).to_contain_text("Update sent")
    expect(updates(page)).to_have_count(1, timeout=LIVE_WITHIN_MS)
    first = updates(page).first
    expect(first.locator(".audience")).to_have_text("Stakeholders")
    expect(first).to_contain_text("Pin removed <b>in IE</b>; legal informed")  # shown as text
    expect(first).to_contain_text(f"({owner})")
    page.get_by_label("Note for the team").fill("Called the requester back")
    page.get_by_role("button", name="Add note").click()
    page.wait_for_url(re.compile(r"done=noted"))
    expect(updates(page)).to_have_count(2, timeout=LIVE_WITHIN_MS)
    expect(updates(page).first.locator(".audience")).to_have_text("Team (note)")
    expect(updates(page).first).to_contain_text("Called the requester back")
    history = page.locator("#escalation-live table.history")
    expect(history).to_contain_text("update_posted")
    state = console.escalation(esc["id"]) or {}
    assert ["team", "stakeholders"] == [u["audience"] for u in state.get("updates", [])]


def test_an_update_appears_live_on_another_persons_open_page(
    page_for: Pages, console: Console
) -> None:
    """A lead watching the page sees the owner's update arrive without a reload."""
    esc = stored(console)
    watcher = page_for("aoife", bypass_csp=True)  # leads ts-dublin; axe needs the bypass
    load(watcher, f"/console/escalations/{esc['id']}")
    owner = page_for(esc["owner"])
    load(owner, f"/console/escalations/{esc['id']}")
    owner.get_by_label("Audience").select_option("requester")
    owner.get_by_label("Update", exact=True).fill("We are looking into it")
    owner.get_by_role("button", name="Post update").click()
    owner.wait_for_url(re.compile(r"done=updated"))
    expect(updates(watcher)).to_have_count(1, timeout=LIVE_WITHIN_MS + 10_000)
    expect(updates(watcher).first.locator(".audience")).to_have_text("Requester")
    check_accessibility(watcher, "escalation-updates")

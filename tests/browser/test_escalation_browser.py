"""The escalation page in a real browser: act from it, watch it change, reveal, craft.

docs/console.md, "Escalation page": acknowledge, reassign and resolve post the API's
commands and the live block shows what the router applied without a reload; sensitive
content needs the reveal form, and a reload hides it again.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Pages, Shooter
from tests.browser.every_page import check_page, load
from tests.browser.stack import Console
from tests.support import wait_for

pytestmark = pytest.mark.browser

LIVE_WITHIN_MS = 5000
SECRET = "Clip shows the attack on the platform"


def stored(console: Console, **fields: Any) -> dict[str, Any]:
    """Report a threat with a unique title; wait until the router assigned it; return it."""
    accepted = console.post_escalation(title=f"Page threat {uuid.uuid4().hex[:8]}", **fields)

    def assigned() -> dict[str, Any] | None:
        found = console.escalation(accepted["id"])
        return found if found and found.get("owner") else None

    found: dict[str, Any] = wait_for(assigned, what=f"{accepted['id']} stored with an owner")
    return found


def live(page: Page) -> Any:
    """Return the page's live block (state, deadlines, history, deliveries)."""
    return page.locator("#escalation-live")


def test_acknowledge_from_the_page_changes_its_history_and_countdown(
    page_for: Pages, console: Console
) -> None:
    """The owner acknowledges; the status and history change, the acknowledge clock stops."""
    esc = stored(console)
    page = page_for(esc["owner"])
    load(page, f"/console/escalations/{esc['id']}")
    expect(live(page).locator("time[data-countdown]")).to_have_count(2)  # acknowledge, resolve
    expect(live(page).locator("time[data-countdown]").first).to_have_text(re.compile(r"^due in"))
    page.get_by_role("button", name="Acknowledge").click()
    page.wait_for_url(re.compile(r"done=acknowledged"))
    expect(page.get_by_role("status")).to_contain_text("Acknowledge sent")
    expect(live(page).locator(".status")).to_have_text("acknowledged", timeout=LIVE_WITHIN_MS)
    expect(live(page).locator("table.history")).to_contain_text("acknowledged")
    expect(live(page).locator("time[data-countdown]")).to_have_count(1)  # resolve only
    expect(page.get_by_role("button", name="Acknowledge")).to_be_hidden()


def test_reassign_then_resolve_from_the_page(page_for: Pages, console: Console) -> None:
    """The team's lead hands it to a suggested person, then resolves it; both appear live."""
    esc = stored(console)
    page = page_for("aoife")  # leads ts-dublin, where the threats route
    load(page, f"/console/escalations/{esc['id']}")
    options = page.locator("select#to option:not([value=''])")
    if options.count():
        target = str(options.first.get_attribute("value"))
        page.get_by_label("On duty for the team").select_option(target)
    else:  # late in the day only the owner is on duty: name someone of the team instead
        target = next(p for p in ("niamh", "ciaran") if p != esc.get("owner"))
        page.get_by_label("Or another person id").fill(target)
    page.get_by_label("Reason").fill("Needs a second pair of eyes")
    page.get_by_role("button", name="Reassign").click()
    page.wait_for_url(re.compile(r"done=reassigned"))
    expect(live(page)).to_contain_text(f"({target})", timeout=LIVE_WITHIN_MS)
    expect(live(page).locator("table.history")).to_contain_text("Needs a second pair of eyes")
    page.get_by_label("Resolution").select_option("duplicate")
    page.get_by_label("Note (optional)").fill("Same as the earlier report")
    page.get_by_role("button", name="Resolve").click()
    page.wait_for_url(re.compile(r"done=resolved"))
    expect(live(page).locator(".status")).to_have_text("resolved", timeout=LIVE_WITHIN_MS)
    expect(live(page).locator("table.history")).to_contain_text("duplicate: Same as the earlier")
    assert "resolved" == (console.escalation(esc["id"]) or {}).get("status")


def test_sensitive_content_needs_the_reveal_form(page_for: Pages, console: Console) -> None:
    """Hidden at first; shown after Reveal content; hidden again after a reload."""
    esc = stored(console, description=SECRET, signals={"graphic": True})
    page = page_for("aoife")
    path = f"/console/escalations/{esc['id']}"
    load(page, path)
    expect(page.locator("main")).not_to_contain_text(SECRET)
    expect(page.locator("main")).to_contain_text("Sensitive content is hidden")
    page.get_by_role("button", name="Reveal content").click()
    expect(page.locator(".description")).to_have_text(SECRET)
    expect(page.locator("main")).to_contain_text("example.com/pin/111")
    load(page, path)
    expect(page.locator("main")).not_to_contain_text(SECRET)


def test_the_escalation_page_is_accessible_light_and_photographed(
    page_for: Pages, shoot: Shooter, console: Console
) -> None:
    """axe-clean at both widths, under 300 KB, no sideways scroll on a phone; screenshots."""
    esc = stored(console)
    report = check_page(page_for, shoot, f"/console/escalations/{esc['id']}", "escalation")
    assert report.weight > 0

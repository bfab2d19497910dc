"""The Handoffs page and the escalation page's Followers section in a real browser.

docs/console.md, "Handoffs": the latest packet (stored here as the router stores it), the
earlier ones behind <details>, and the note form; "Escalation page": Follow, Stop following
and adding an e-mail follower. Both pass the checks every console page passes (CSP, weight,
axe-core at desktop and phone width, no sideways scrolling on a phone) with hostile text.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.checks import check_accessibility
from tests.browser.chromium import PHONE
from tests.browser.conftest import Pages, Shooter
from tests.browser.every_page import check_page, horizontal_overflow, load
from tests.browser.stack import Console, off_loop
from tests.e2e.intake.handoff_rows import HOSTILE, handoff, item, note
from tests.e2e.intake.rows import insert
from tests.support import wait_for

pytestmark = pytest.mark.browser
TEAM = "ts-dublin"
PATH = f"/console/handoffs?team={TEAM}"


def _store_handoffs(console: Console, *, hostile: bool = True) -> str:
    """Store an earlier and a latest ts-dublin handoff (the latest a minute ago); return a title.

    The router of this stack keeps real handoffs too; the rows here are the newest.
    ``hostile``: markup and control characters in the first title and the note.
    """
    now = datetime.now(UTC)
    marker = uuid.uuid4().hex[:6]
    odd = HOSTILE if hostile else "naming a school for Friday 9am"
    title = f"Threat {marker} {odd}"
    items = (
        item(title, "P0", due_in_shift=now + timedelta(minutes=20)),
        item("Ad next to a video", "P2", status="acknowledged", owner="niamh"),
        item(
            "Spam wave from new accounts, " * (6 if hostile else 1) + "still growing",
            "P3",
            owner=None,
        ),
    )
    earlier = handoff(TEAM, now - timedelta(minutes=50), notes=(note(f"earlier {marker}"),))
    latest = handoff(
        TEAM,
        now - timedelta(minutes=1),
        open_items=items,
        notes=(note(f"Legal waits on our answer; Comms knows. {odd if hostile else ''}"),),
    )
    off_loop(lambda: insert(console.database_url, earlier, latest))
    return title


def test_the_handoffs_page_passes_every_pages_checks(
    page_for: Pages, shoot: Shooter, console: Console
) -> None:
    """CSP, weight, axe-core at both widths, a phone without sideways scrolling; screenshots."""
    _store_handoffs(console, hostile=False)
    check_page(page_for, shoot, PATH, "handoffs")


def test_read_the_packet_expand_an_earlier_one_and_leave_a_note(
    page_for: Pages, console: Console
) -> None:
    """Hostile text shows as text; <details> opens; a note posts and is listed for next shift."""
    title = _store_handoffs(console)
    page = page_for("ciaran")
    load(page, PATH)
    latest = page.locator("section.handoff-latest")
    link = latest.get_by_role("link", name=re.compile(re.escape(title[:13])))
    expect(link).to_contain_text('<script>alert("x")</script>')
    expect(latest).to_contain_text("Due in your shift")
    assert 0 == page.locator("section.handoff-latest img, section.handoff-latest script").count()
    first = page.locator("details.handoff").first
    first.locator("summary").click()
    expect(first.locator("table")).to_be_visible()
    text = f"Pin {uuid.uuid4().hex[:6]} re-uploaded <b>twice</b>"
    page.get_by_label("Note", exact=True).fill(text)
    page.get_by_role("button", name="Leave note").click()
    page.wait_for_url(re.compile(r"done=noted"))
    expect(page.get_by_role("status")).to_contain_text("Note saved")
    expect(page.locator("section.handoff-next")).to_contain_text(text)
    expect(link).to_have_attribute("href", re.compile(r"^/console/escalations/[0-9a-f-]{36}$"))


def test_the_form_keeps_a_refused_note_on_a_phone(page_for: Pages, console: Console) -> None:
    """Blank text is refused with the page again, the error announced; no sideways scroll."""
    _store_handoffs(console)
    page = page_for("ciaran", PHONE, bypass_csp=True)
    load(page, PATH)
    area = page.get_by_label("Note", exact=True)
    area.evaluate("el => el.removeAttribute('required')")
    area.fill("   ")
    page.get_by_role("button", name="Leave note").click()
    expect(page.get_by_role("alert")).to_contain_text("text: Text should not be blank")
    width, scroll = horizontal_overflow(page)
    assert scroll <= width
    check_accessibility(page, "handoffs-refused (phone)")
    # The browser logs the page's 422 status as a console error: expected here, and only it.
    watch = page_for.watch(page)
    (error,) = watch.errors
    assert "status of 422" in error, error
    watch.errors.clear()


def _assigned(console: Console) -> dict[str, Any]:
    accepted = console.post_escalation(title=f"Follow threat {uuid.uuid4().hex[:8]}")

    def assigned() -> dict[str, Any] | None:
        found = console.escalation(accepted["id"])
        return found if found and found.get("owner") else None

    found: dict[str, Any] = wait_for(assigned, what=f"{accepted['id']} stored with an owner")
    return found


def test_follow_add_an_email_and_stop_following(page_for: Pages, console: Console) -> None:
    """The owner follows, adds an address, removes it and stops; the section stays axe-clean."""
    esc = _assigned(console)
    page = page_for(esc["owner"], bypass_csp=True)
    load(page, f"/console/escalations/{esc['id']}")
    section = page.locator("section.followers")
    expect(section).to_contain_text("Nobody follows this escalation")
    section.get_by_role("button", name="Follow", exact=True).click()
    page.wait_for_url(re.compile(r"done=followed"))
    expect(section.get_by_role("button", name="Stop following")).to_be_visible()
    address = f"comms-{uuid.uuid4().hex[:6]}@example.com"
    section.get_by_label("E-mail address").fill(address)
    section.get_by_role("button", name="Add follower").click()
    page.wait_for_url(re.compile(r"done=follower_added"))
    expect(section.locator("table")).to_contain_text(address)
    check_accessibility(page, "escalation-followers")
    section.get_by_role("button", name=f"Remove E-mail follower {address}").click()
    page.wait_for_url(re.compile(r"done=follower_removed"))
    expect(section.locator("table")).not_to_contain_text(address)
    section.get_by_role("button", name="Stop following").click()
    page.wait_for_url(re.compile(r"done=unfollowed"))
    expect(section.get_by_role("button", name="Follow", exact=True)).to_be_visible()
    phone = page_for(esc["owner"], PHONE)
    load(phone, f"/console/escalations/{esc['id']}")
    width, scroll = horizontal_overflow(phone)
    assert scroll <= width, f"the escalation page scrolls sideways: {scroll} in {width}"

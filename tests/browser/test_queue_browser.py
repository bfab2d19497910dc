"""The queue in a real browser: sign-in both ways, live rows, countdowns, keyboard, craft.

docs/console.md, "Queue": new escalations appear within 5 s without a reload; countdowns
tick with a text state; j/k select, ``?`` shows the help, ``a`` acknowledges.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from escalations_intake.identity.cookies import SESSION
from tests.browser.checks import check_accessibility
from tests.browser.conftest import Pages, Shooter
from tests.browser.every_page import check_page, load
from tests.browser.stack import Console
from tests.support import wait_for

pytestmark = pytest.mark.browser

LIVE_WITHIN_MS = 5000


def post(console: Console, label: str, **fields: Any) -> dict[str, Any]:
    """Report a threat titled with ``label`` and a unique tag; return the accepted body."""
    tag = uuid.uuid4().hex[:8]
    return console.post_escalation(title=f"{label} {tag}", **fields)


def row_of(page: Page, escalation_id: str) -> Locator:
    """Return the queue row of an escalation."""
    return page.locator(f'#queue tbody tr[data-id="{escalation_id}"]')


def stored(console: Console, accepted: dict[str, Any]) -> dict[str, Any]:
    """Wait until the router stored and assigned the escalation; return it as the API has it."""

    def assigned() -> dict[str, Any] | None:
        found = console.escalation(accepted["id"])
        return found if found and found.get("owner") else None

    found: dict[str, Any] = wait_for(assigned, what=f"{accepted['id']} stored with an owner")
    return found


def acknowledged(console: Console, escalation_id: str) -> bool:
    """Return whether the router recorded the escalation as acknowledged."""
    return (console.escalation(escalation_id) or {}).get("status") == "acknowledged"


def test_signed_out_the_queue_redirects_to_sign_in_keeping_the_path(page_for: Pages) -> None:
    """No session and no token: the browser lands on sign-in with ``next`` naming the queue."""
    page = page_for(None)
    answer = page.goto("/console?tier=P0")
    assert answer is not None
    first = answer.request
    while first.redirected_from is not None:
        first = first.redirected_from
    assert first.url.endswith("/console?tier=P0")
    assert first.redirected_to is not None
    assert re.search(r"/v1/auth/sign-in\?next=%2Fconsole%3Ftier%3DP0$", first.redirected_to.url)
    # This product has no OpenID Connect provider (local links only): sign-in answers 404.
    watch = page_for.watch(page)
    (error,) = watch.errors
    assert error.endswith(f"status of 404 (Not Found) ({first.redirected_to.url})"), error
    watch.errors.clear()


def test_a_local_sign_in_link_opens_the_queue_and_acknowledges_with_the_cookie(
    page_for: Pages, console: Console
) -> None:
    """The link sets an HttpOnly session cookie; the owner acknowledges with it (CSRF form)."""
    accepted = post(console, "Cookie path threat")
    owner = stored(console, accepted)["owner"]
    page = page_for(None)
    page.goto(console.sign_in_link(owner))
    assert page.url.endswith("/console")
    (cookie,) = [c for c in page.context.cookies() if c["name"] == SESSION]
    assert (True, "Lax") == (cookie["httpOnly"], cookie.get("sameSite")), cookie
    expect(page.locator("header form[action='/console/sign-out']")).to_be_visible()
    load(page, "/console?mine=1")
    row = row_of(page, accepted["id"])
    row.get_by_role("button", name=re.compile("^Acknowledge")).click()
    page.wait_for_url(re.compile(r"done=acknowledged"))
    expect(row_of(page, accepted["id"]).locator(".status")).to_have_text(
        "acknowledged", timeout=LIVE_WITHIN_MS
    )
    assert acknowledged(console, accepted["id"])


def test_a_reported_escalation_appears_within_5_s_without_a_reload(
    page_for: Pages, console: Console
) -> None:
    """Under its real CSP, the open queue shows a new escalation by polling, not reloading."""
    page = page_for("aoife")
    load(page, "/console")
    expect(page.locator("header .who")).to_contain_text("Aoife Byrne")
    page.evaluate("window.stayed = 'same document'")
    accepted = post(console, "Live threat")
    expect(row_of(page, accepted["id"])).to_contain_text(accepted["title"], timeout=LIVE_WITHIN_MS)
    assert "same document" == page.evaluate("window.stayed")
    page_for.watch(page).assert_clean()


def countdown_of(row: Locator, due: str) -> Locator:
    """Return the countdown in ``row`` whose datetime is the instant ``due`` (any ISO form)."""
    index = row.locator("time[data-countdown]").evaluate_all(
        "(els, due) => els.findIndex(el => Date.parse(el.getAttribute('datetime'))"
        " === Date.parse(due))",
        due,
    )
    assert index >= 0, f"no countdown at {due} in the row"
    return row.locator("time[data-countdown]").nth(index)


def test_countdowns_tick_and_show_warning_and_breached_in_words(
    page_for: Pages, console: Console
) -> None:
    """The acknowledge countdown counts down, warns under 5 min, then says it is breached."""
    accepted = post(console, "Countdown threat")
    due = stored(console, accepted)["deadlines"]["acknowledge_by"]
    page = page_for("aoife")
    page.clock.install()
    load(page, "/console")
    countdown = countdown_of(row_of(page, accepted["id"]), due)
    expect(countdown).to_have_text(re.compile(r"^due in (\d+ min|\d+ h \d+ min|under a minute)$"))
    before = countdown.inner_text()
    page.clock.fast_forward("01:00")
    expect(countdown).not_to_have_text(before)
    left_ms = int(page.evaluate("(due) => Date.parse(due) - Date.now()", due))
    if left_ms > 150_000:
        page.clock.fast_forward(left_ms - 150_000)
        expect(countdown).to_have_text("due in 2 min")
        expect(countdown).to_have_class(re.compile(r"\bwarning\b"))
    page.clock.fast_forward("05:00")
    expect(countdown).to_have_text(re.compile(r"^breached (\d+ min|under a minute) ago$"))
    expect(countdown).to_have_class(re.compile(r"\bbreached\b"))
    expect(countdown).not_to_have_class(re.compile(r"\bwarning\b"))


def test_the_keyboard_moves_the_selection_and_shows_help(page_for: Pages, console: Console) -> None:
    """j and k move the selection (one row at a time), ? toggles the visible help."""
    for label in ("Keyboard threat one", "Keyboard threat two"):
        stored(console, post(console, label))
    page = page_for("aoife")
    load(page, "/console")
    rows = page.locator("#queue tbody tr[data-id]")
    selected = re.compile(r"\bselected\b")
    help_panel = page.locator("#help")
    expect(page.locator("#keys-hint")).to_contain_text("Press ? for keyboard shortcuts")
    expect(help_panel).to_be_hidden()
    page.keyboard.press("?")
    expect(help_panel).to_be_visible()
    page.keyboard.press("?")
    expect(help_panel).to_be_hidden()
    page.keyboard.press("j")
    expect(rows.nth(0)).to_have_class(selected)
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(selected)
    expect(rows.nth(0)).not_to_have_class(selected)
    page.keyboard.press("k")
    expect(rows.nth(0)).to_have_class(selected)
    expect(page.locator("#queue tbody tr.selected")).to_have_count(1)


def test_a_acknowledges_the_selected_escalation_and_its_row_changes(
    page_for: Pages, console: Console
) -> None:
    """The owner selects their escalation with j and presses a; the row says acknowledged."""
    accepted = post(console, "Acknowledge by key threat")
    owner = stored(console, accepted)["owner"]
    page = page_for(owner)
    load(page, f"/console?mine=1&q={accepted['external_id']}")
    expect(page.locator("#queue tbody tr[data-id]")).to_have_count(1)
    expect(row_of(page, accepted["id"]).locator(".status")).not_to_have_text("acknowledged")
    page.keyboard.press("j")
    page.keyboard.press("a")
    page.wait_for_url(re.compile(r"done=acknowledged"))
    expect(row_of(page, accepted["id"]).locator(".status")).to_have_text(
        "acknowledged", timeout=LIVE_WITHIN_MS
    )
    assert acknowledged(console, accepted["id"])


def test_the_queue_is_accessible_light_fits_a_phone_and_is_photographed(
    page_for: Pages, shoot: Shooter, console: Console
) -> None:
    """axe-clean at both widths, under 300 KB, no sideways scroll on a phone; screenshots."""
    stored(console, post(console, "Screenshot threat"))
    report = check_page(page_for, shoot, "/console", "queue")
    assert report.weight > 0
    help_open = page_for("aoife", bypass_csp=True)
    load(help_open, "/console")
    help_open.keyboard.press("?")
    expect(help_open.locator("#help")).to_be_visible()
    check_accessibility(help_open, "queue with its help open")

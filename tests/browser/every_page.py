"""The checks every console page passes, in one call for each page's own browser test.

``check_page(page_for, shoot, "/console/oncall", "oncall")`` loads the page as a person and
checks, as docs/console.md requires of every page: it runs under its real
Content-Security-Policy with no violation and no JavaScript error, it transfers under
300 KB, axe-core finds nothing serious or critical at desktop and phone width, a phone shows
it without horizontal scrolling; and it takes the screenshots ``<name>`` (desktop) and
``<name>-phone``.
"""

from __future__ import annotations

from dataclasses import dataclass

from playwright.sync_api import Page

from tests.browser.checks import assert_light, check_accessibility, page_weight
from tests.browser.chromium import DESKTOP, PHONE, Viewport
from tests.browser.conftest import Pages, Shooter


@dataclass(frozen=True)
class PageReport:
    """What ``check_page`` measured, for a test that wants to assert more."""

    weight: int
    phone_width: int
    phone_scroll_width: int


def horizontal_overflow(page: Page) -> tuple[int, int]:
    """Return the page's visible width and its scrollable width (equal: no sideways scroll)."""
    client = int(page.evaluate("document.documentElement.clientWidth"))
    scroll = int(page.evaluate("document.documentElement.scrollWidth"))
    return client, scroll


def load(page: Page, path: str) -> None:
    """Open ``path`` and fail unless it answers 200 as a console HTML page."""
    answer = page.goto(path)
    assert answer is not None, f"no response for {path}"
    assert 200 == answer.status, f"{path} answered {answer.status}"
    assert answer.header_value("content-security-policy"), f"{path} has no CSP header"
    page.wait_for_load_state("networkidle")


def accessible_at(pages: Pages, person: str, path: str, viewport: Viewport, name: str) -> None:
    """Run axe-core on ``path`` at ``viewport`` (a CSP-bypassing page, for axe alone)."""
    page = pages(person, viewport, bypass_csp=True)
    load(page, path)
    check_accessibility(page, f"{name} ({viewport.name})")


def check_page(
    pages: Pages, shoot: Shooter, path: str, name: str, person: str = "aoife"
) -> PageReport:
    """Check ``path`` as ``person`` the way every console page must pass; return figures."""
    real = pages(person, DESKTOP)
    weight = assert_light(page_weight(real, lambda: load(real, path)), name)
    pages.watch(real).assert_clean()
    shoot(real, name)
    accessible_at(pages, person, path, DESKTOP, name)
    accessible_at(pages, person, path, PHONE, name)
    phone = pages(person, PHONE)
    load(phone, path)
    width, scroll = horizontal_overflow(phone)
    assert scroll <= width, f"{name} scrolls sideways on a phone: {scroll} px in {width} px"
    pages.watch(phone).assert_clean()
    shoot(phone, f"{name}-phone")
    return PageReport(weight, width, scroll)

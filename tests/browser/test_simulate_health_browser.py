"""Simulate and team health in a real browser: the form answers, both pages pass the craft.

docs/console.md, "Simulate" and "Team health": the form posts and the same page shows the
answer (or the errors next to their fields); both pages are axe-clean at desktop and phone
width, light, without sideways scrolling; screenshots ``simulate`` and ``health``.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.checks import check_accessibility
from tests.browser.conftest import Pages, Shooter
from tests.browser.every_page import check_page, load

pytestmark = pytest.mark.browser


def fill_threat(page: Page) -> None:
    """Fill the form with a graphic, imminent threat under a TERREG order."""
    page.get_by_label("Title").fill("Threat to a school <b>bold</b>")
    page.get_by_label("Policy area").select_option("violent_threat")
    page.get_by_label("Region").fill("IE")
    page.get_by_label("Graphic content").check()
    page.get_by_label("Imminence").select_option("imminent_specific")
    page.get_by_label("Impressions in 24 h").fill("12000")
    page.get_by_label("Regime").select_option("terreg_removal_order")


def test_the_form_answers_on_the_same_page_and_keeps_what_was_typed(
    page_for: Pages, shoot: Shooter
) -> None:
    """Submitting shows tier, owner, candidates and pages; the fields keep their values."""
    page = page_for("aoife")
    load(page, "/console/simulate")
    fill_threat(page)
    page.get_by_role("button", name="Simulate").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#result")).to_be_visible()
    expect(page.locator("#sim-tier")).to_have_text(re.compile(r"^P[0-4]$"))
    expect(page.locator("#sim-candidates tbody tr").first).to_be_visible()
    expect(page.locator("#sim-pages tbody tr").first).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("Threat to a school <b>bold</b>")
    expect(page.get_by_label("Graphic content")).to_be_checked()
    shoot(page, "simulate-answer")
    pages_watch = page_for.watch(page)
    pages_watch.assert_clean()
    answered = page_for("aoife", bypass_csp=True)
    load(answered, "/console/simulate")
    fill_threat(answered)
    answered.get_by_role("button", name="Simulate").click()
    answered.wait_for_load_state("networkidle")
    check_accessibility(answered, "simulate with its answer")


def test_errors_are_shown_by_their_fields_and_stay_accessible(page_for: Pages) -> None:
    """An empty title and a bad region: both fields marked, described, no answer."""
    page = page_for("aoife", bypass_csp=True)
    load(page, "/console/simulate")
    page.get_by_label("Policy area").select_option("spam")
    page.get_by_label("Region").fill("ireland")
    page.get_by_role("button", name="Simulate").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#result")).to_have_count(0)
    expect(page.locator("#title-error")).to_be_visible()
    expect(page.locator("#region-error")).to_be_visible()
    expect(page.get_by_label("Region")).to_have_attribute("aria-invalid", "true")
    check_accessibility(page, "simulate with errors")
    # The browser logs the page's 422 status as a console error: expected here, and only it.
    watch = page_for.watch(page)
    (error,) = watch.errors
    assert "status of 422" in error, error
    watch.errors.clear()


def test_simulate_and_health_pass_the_checks_and_are_photographed(
    page_for: Pages, shoot: Shooter
) -> None:
    """axe-clean at both widths, under 300 KB, no sideways scroll on a phone; screenshots."""
    check_page(page_for, shoot, "/console/simulate", "simulate")
    report = check_page(page_for, shoot, "/console/health", "health")
    assert report.weight > 0
    lead = page_for("sean")
    load(lead, "/console/health")
    expect(lead.get_by_role("heading", level=1)).to_contain_text("Team health")
    expect(lead.locator("svg[role=img]")).to_have_count(5)

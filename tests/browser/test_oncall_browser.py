"""The on-call page in a real browser: a DST week's calendar, and the craft every page passes.

docs/console.md, "On call": the week from Friday 27 March 2026 holds Dublin's change to
summer time (Sunday 29 March). The Los Angeles layer of ts-dublin starts at 09:00 PDT, which
is 16:00 UTC on both the Friday and the Monday: 16:00 local (GMT) on the Friday and 17:00
local (IST) on the Monday. The people shown are those the pure resolver puts on duty.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from escalations.core.config import demo_config_path, load_config
from escalations.core.schedules import on_duty
from tests.browser.chromium import PHONE
from tests.browser.conftest import Pages, Shooter
from tests.browser.every_page import check_page, load
from tests.browser.stack import Console

pytestmark = pytest.mark.browser

DST_WEEK = "/console/oncall?team=ts-dublin&week=2026-03-27"


def test_the_calendar_of_a_dst_week_shows_the_right_people_at_local_times(
    page_for: Pages, console: Console
) -> None:
    """Friday's evening block starts at 16:00, Monday's at 17:00, both 16:00 UTC, with the
    people ``on_duty`` gives at 16:30 UTC; the Sunday column names the clock change."""
    config = load_config(demo_config_path()).config
    names = {p.id: p.name for p in config.people}
    page = page_for("ciaran")
    load(page, DST_WEEK)
    calendar = page.get_by_role("table", name=re.compile("T&S Escalations"))
    expect(calendar.locator('thead th[data-day="2026-03-29"]')).to_contain_text(
        "Clocks change: GMT to IST"
    )
    for day, local in (("27", "16:00"), ("30", "17:00")):
        at = datetime(2026, 3, int(day), 16, 30, tzinfo=UTC)
        people = [names[d.person] for d in on_duty(config, "ts-dublin", at)]
        assert people
        cell = calendar.locator(f'tr.row-oncall td[data-day="2026-03-{day}"]')
        for name in people:
            block = cell.locator(".block", has_text=name)
            expect(block.locator("time").first).to_have_text(local)
            expect(block.locator("time").first).to_have_attribute(
                "datetime", f"2026-03-{day}T16:00:00+00:00"
            )
    page_for.watch(page).assert_clean()


def test_the_oncall_page_is_accessible_light_fits_a_phone_and_is_photographed(
    page_for: Pages, shoot: Shooter, console: Console
) -> None:
    """axe-clean at both widths, under 300 KB, no sideways scroll on a phone (where the
    calendar is a list per row and day, each day named); screenshots ``oncall``, ``-phone``."""
    report = check_page(page_for, shoot, DST_WEEK, "oncall", person="sean")
    assert report.weight > 0
    phone = page_for("sean", PHONE)
    load(phone, DST_WEEK)
    sunday = phone.locator('#calendar tr.row-oncall td[data-day="2026-03-29"]')
    expect(sunday).to_be_visible()
    expect(sunday).to_have_attribute("data-label", "Sun 29 Mar, Clocks change: GMT to IST")
    label = sunday.evaluate("el => getComputedStyle(el, '::before').content")
    assert "Clocks change: GMT to IST" in label, "on a phone each day names itself"

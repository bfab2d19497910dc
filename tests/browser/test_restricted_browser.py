"""Need-to-know in a real browser: a child-safety escalation is for its team only.

docs/contract/access.md, "Need-to-know": an escalation in a restricted policy area is seen
by the owning team, the people its policy paged, its owner and admins; anyone else gets the
answer of a missing one, and lists leave it out. docs/console.md: in the console that is
the queue without its row and the console's 404 page, identical to a random missing id's.
The demo configuration the browser stack runs routes ``child_safety`` to the
``child-safety`` team and makes the area need-to-know.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from escalations.core.access import is_restricted, roles_of
from escalations.core.config import load_config
from escalations.settings import DEMO_CONFIG
from tests.browser.checks import check_accessibility
from tests.browser.conftest import Pages
from tests.browser.every_page import load
from tests.browser.stack import Console
from tests.support import wait_for

pytestmark = pytest.mark.browser

LIVE_WITHIN_MS = 5000
TEAM = "child-safety"
ADMIN = "aoife"
OUTSIDER = "liam"  # General T&S only: not on child-safety's rota, not a lead, not an admin
MEMBERS = ("fiadh", "padraig", "lena")  # child-safety's primary layer, none of them a lead
SECRET = "Report names a minor and the school they attend"


@dataclass(frozen=True)
class Restricted:
    """The child-safety escalation of this module, as an admin reads it over the API."""

    id: str
    title: str
    tag: str
    owner: str
    paged: tuple[str, ...]

    @property
    def path(self) -> str:
        """Return its page's path in the console."""
        return f"/console/escalations/{self.id}"

    @property
    def queue(self) -> str:
        """Return the queue searched for this module's tag (its escalations only)."""
        return f"/console?q={self.tag}"


class Desk:
    """One watched page per person for the whole module, checked when the module ends."""

    def __init__(self, pages: Pages) -> None:
        """Open pages through ``pages`` (a Pages of this module)."""
        self.pages = pages
        self._open: dict[tuple[str, bool], Page] = {}

    def page(self, person: str, *, bypass_csp: bool = False) -> Page:
        """Return ``person``'s page (opened once); ``bypass_csp`` only for axe-core."""
        key = (person, bypass_csp)
        if key not in self._open:
            self._open[key] = self.pages(person, bypass_csp=bypass_csp)
        return self._open[key]


@pytest.fixture(scope="module")
def desk(browser: Browser, console: Console) -> Iterator[Desk]:
    """Pages shared by this module's tests; any CSP violation or JS error fails at the end."""
    pages = Pages(browser, console)
    yield Desk(pages)
    problems = pages.close()
    assert not problems, "pages reported problems:\n" + "\n".join(problems)


@pytest.fixture(scope="module")
def restricted(console: Console) -> Restricted:
    """Report a child-safety escalation; wait until the router gave it an owner.

    Fails first if the stack's configuration no longer fits the people this module uses.
    """
    config = load_config(DEMO_CONFIG).config
    assert is_restricted(config, "child_safety"), "child_safety is not need-to-know"
    outsider = roles_of(config, OUTSIDER)
    assert not outsider.admin, outsider
    assert TEAM not in outsider.teams | outsider.leads, outsider
    assert all(TEAM in roles_of(config, m).teams for m in MEMBERS), MEMBERS
    admin = roles_of(config, ADMIN)
    assert admin.admin, admin
    assert TEAM not in admin.teams | admin.leads, admin
    tag = uuid.uuid4().hex[:10]
    accepted = console.post_escalation(
        title=f"Restricted {tag} child safety report",
        policy_area="child_safety",
        description=SECRET,
    )

    def assigned() -> dict[str, Any] | None:
        found = console.escalation(accepted["id"], ADMIN)
        return found if found and found.get("owner") else None

    esc: dict[str, Any] = wait_for(assigned, what=f"{accepted['id']} stored with an owner")
    assert TEAM == esc["team"], f"child_safety routed to {esc['team']!r}, not {TEAM!r}"
    paged = tuple(map(str, (esc.get("assignment") or {}).get("paged") or ()))
    assert OUTSIDER != esc["owner"], esc["owner"]
    assert OUTSIDER not in paged, paged
    return Restricted(accepted["id"], accepted["title"], tag, esc["owner"], paged)


def row_of(page: Page, escalation_id: str) -> Locator:
    """Return the queue row of an escalation."""
    return page.locator(f'#queue tbody tr[data-id="{escalation_id}"]')


def member_of_team(esc: Restricted) -> str:
    """Return a member of the team who sees it as a member only: not its owner, not paged."""
    others = [m for m in MEMBERS if m != esc.owner and m not in esc.paged]
    assert others, f"every member of {TEAM} owns or was paged for it: {esc.owner}, {esc.paged}"
    return others[0]


def open_missing(desk: Desk, page: Page, path: str) -> str:
    """Open ``path`` expecting the console's 404 page; return its HTML.

    Chromium reports a 404 document as a console error; exactly that one is expected here
    and taken off the page's watch, so anything else still fails the module.
    """
    answer = page.goto(path)
    assert answer is not None, f"no response for {path}"
    assert 404 == answer.status, f"{path} answered {answer.status}"
    assert answer.header_value("content-security-policy"), f"{path} has no CSP header"
    page.wait_for_load_state("networkidle")
    watch = desk.pages.watch(page)
    expected = f"status of 404 (Not Found) ({answer.url})"
    assert all(e.endswith(expected) for e in watch.errors), watch.errors
    watch.errors.clear()
    watch.assert_clean()
    return page.content()


def test_a_non_member_never_sees_it_in_the_live_queue(
    desk: Desk, console: Console, restricted: Restricted
) -> None:
    """Liam's open queue shows a later plain escalation live, never the restricted one."""
    page = desk.page(OUTSIDER)
    load(page, restricted.queue)
    expect(page.locator("header .who")).to_contain_text("Liam Murphy")
    expect(row_of(page, restricted.id)).to_have_count(0)
    page.evaluate("window.stayed = 'same document'")
    plain = console.post_escalation(title=f"Plain {restricted.tag} threat")
    # The restricted one was stored before this was posted: the poll that shows this row
    # read a queue that already held it.
    expect(row_of(page, plain["id"])).to_contain_text(plain["title"], timeout=LIVE_WITHIN_MS)
    assert "same document" == page.evaluate("window.stayed")
    expect(page.locator("#queue tbody tr[data-id]")).to_have_count(1)
    expect(page.locator("main")).not_to_contain_text(restricted.title)
    assert console.escalation(restricted.id, OUTSIDER) is None  # the API agrees: 404


def test_a_non_member_gets_the_same_404_page_as_for_a_missing_id(
    desk: Desk, restricted: Restricted
) -> None:
    """Its page, live block and reveal answer Liam exactly as a random missing id does."""
    page = desk.page(OUTSIDER)
    hidden = open_missing(desk, page, restricted.path)
    missing_id = str(uuid.uuid4())
    missing = open_missing(desk, page, f"/console/escalations/{missing_id}")
    assert hidden.replace(restricted.id, "<id>") == missing.replace(missing_id, "<id>")
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    assert restricted.title not in hidden
    assert SECRET not in hidden
    for suffix, method in (("/live", "GET"), ("/reveal", "POST")):
        bodies = []
        for esc_id in (restricted.id, missing_id):
            answer = page.request.fetch(f"/console/escalations/{esc_id}{suffix}", method=method)
            assert 404 == answer.status, f"{method} {suffix} answered {answer.status}"
            bodies.append(answer.text().replace(esc_id, "<id>"))
        assert bodies[0] == bodies[1], f"{method} {suffix} tells the restricted one apart"
        assert SECRET not in bodies[0]


def test_the_404_page_is_accessible(desk: Desk, restricted: Restricted) -> None:
    """axe-core finds nothing serious or critical on the 404 a non-member gets."""
    page = desk.page(OUTSIDER, bypass_csp=True)
    open_missing(desk, page, restricted.path)
    check_accessibility(page, "restricted escalation's 404")


def test_a_member_of_the_team_sees_it_with_the_description_behind_reveal(
    desk: Desk, restricted: Restricted
) -> None:
    """A team member (not owner, not paged) finds it in the queue; Reveal shows the text."""
    page = desk.page(member_of_team(restricted))
    load(page, restricted.queue)
    expect(row_of(page, restricted.id)).to_contain_text(restricted.title)
    row_of(page, restricted.id).get_by_role("link", name=restricted.title).click()
    page.wait_for_url(re.compile(re.escape(restricted.path) + "$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(restricted.title)
    expect(page.locator("main")).to_contain_text("Sensitive content is hidden")
    expect(page.locator("main")).not_to_contain_text(SECRET)
    page.get_by_role("button", name="Reveal content").click()
    expect(page.locator(".description")).to_have_text(SECRET)
    desk.pages.watch(page).assert_clean()


def test_an_admin_sees_it_in_the_queue_and_on_its_page(desk: Desk, restricted: Restricted) -> None:
    """Aoife, an admin on no child-safety rota, sees its row and its page (content hidden)."""
    assert ADMIN != restricted.owner, restricted.owner
    assert ADMIN not in restricted.paged, restricted.paged
    page = desk.page(ADMIN)
    load(page, restricted.queue)
    expect(row_of(page, restricted.id)).to_contain_text(restricted.title)
    load(page, restricted.path)
    expect(page.get_by_role("heading", level=1)).to_contain_text(restricted.title)
    expect(page.locator("main")).to_contain_text(TEAM)
    expect(page.locator("main")).not_to_contain_text(SECRET)

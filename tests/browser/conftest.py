"""Browser fixtures: the product, Debian's Chromium through Playwright, pages per person.

A test asks ``page_for("aoife")`` for a desktop page signed in with Aoife's personal token,
``page_for("aoife", PHONE)`` for a phone-width one, ``page_for(None)`` for a page with no
credentials (to sign in through a local link, with the session cookie). Every page is
watched: a Content-Security-Policy violation, an uncaught JavaScript error or a console
error on any page a test opened fails that test at teardown (docs/console.md, "Craft").
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from devstack.stack import Stack
from tests.browser.checks import screenshot
from tests.browser.chromium import DESKTOP, Viewport, Watch, launch, open_page
from tests.browser.stack import Console, running_console

__all__ = ["Pages", "Shooter", "browser", "console", "page_for", "shoot"]


@pytest.fixture(scope="package")
def console(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """The three services and the inbox on a broker and database of their own, sign-in on."""
    with running_console(stack, tmp_path_factory.mktemp("console")) as running:
        yield running


@pytest.fixture(scope="package")
def playwright(stack: Stack) -> Iterator[Playwright]:
    """Playwright's driver for this package (it drives the system Chromium, downloads none).

    While it runs, an event loop of Playwright's runs on the test thread, so ``asyncio.run``
    fails there: the session's stack (whose set-up uses it) starts first, the package scope
    ends the loop before the rest of the suite, and our own database calls run off the loop
    (``stack.off_loop``).
    """
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One headless Chromium for this package; each page gets a fresh context of its own."""
    chromium = launch(playwright)
    try:
        yield chromium
    finally:
        chromium.close()


class Pages:
    """Opens watched pages on the console for a person; closes and checks them at the end."""

    def __init__(self, browser: Browser, console: Console) -> None:
        """Open pages in ``browser`` on ``console``."""
        self._browser = browser
        self._console = console
        self._watches: dict[int, Watch] = {}
        self._pages: list[Page] = []

    def __call__(
        self, person: str | None, viewport: Viewport = DESKTOP, *, bypass_csp: bool = False
    ) -> Page:
        """Return a new page signed in with ``person``'s personal token (None: signed out).

        ``bypass_csp=True`` only for pages axe-core is injected into (check_accessibility).
        """
        token = self._console.token_of(person) if person else None
        page, watch = open_page(
            self._browser,
            viewport,
            base_url=self._console.base_url,
            token=token,
            bypass_csp=bypass_csp,
        )
        self._watches[id(page)] = watch
        self._pages.append(page)
        return page

    def watch(self, page: Page) -> Watch:
        """Return what ``page`` reported so far (CSP violations, uncaught errors)."""
        return self._watches[id(page)]

    def close(self) -> list[str]:
        """Close every page's context; return the problems any page reported."""
        problems: list[str] = []
        for page in self._pages:
            problems.extend(f"{page.url}: {p}" for p in self._watches[id(page)].problems())
            page.context.close()
        return problems


@pytest.fixture
def page_for(browser: Browser, console: Console) -> Iterator[Pages]:
    """Open pages per person and viewport; fail the test if any page reported a problem."""
    pages = Pages(browser, console)
    yield pages
    problems = pages.close()
    assert not problems, "pages reported problems:\n" + "\n".join(problems)


class Shooter:
    """Takes the screenshots of a session into one folder (see checks.screenshot)."""

    def __init__(self, folder: Path) -> None:
        """Keep this session's screenshots in ``folder``."""
        self.folder = folder

    def __call__(self, page: Page, name: str) -> Path:
        """Take ``page``'s screenshot as ``<name>.png``; return where it is."""
        return screenshot(page, name, self.folder)


@pytest.fixture(scope="session")
def shoot(tmp_path_factory: pytest.TempPathFactory) -> Shooter:
    """Screenshots into a session folder, copied to docs/console/ with CONSOLE_SCREENSHOTS=1."""
    return Shooter(tmp_path_factory.mktemp("screenshots"))

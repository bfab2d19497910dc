"""Debian's Chromium driven by Playwright: launch flags, viewports, and a page's watch.

The browser is the system's ``/usr/bin/chromium`` (``make system-deps`` installs it); the
tests never download a browser of their own. Each launch gets a fresh profile (Playwright
makes a temporary user-data dir), and the flags keep Chromium from reaching out on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, ConsoleMessage, Error, Page, Playwright, ViewportSize

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@dataclass(frozen=True)
class Viewport:
    """A named screen size a page is shown at."""

    name: str
    width: int
    height: int

    def size(self) -> ViewportSize:
        """Return the size as Playwright's ``viewport`` argument."""
        return ViewportSize(width=self.width, height=self.height)


DESKTOP = Viewport("desktop", 1280, 800)
PHONE = Viewport("phone", 390, 844)


def launch(playwright: Playwright) -> Browser:
    """Launch the system Chromium headless with the flags above; say how to get it if absent."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: `make system-deps` installs Debian's chromium")
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=list(FLAGS)
    )


def is_favicon_miss(url: str) -> bool:
    """Return whether a failed load is the browser's own guess at ``/favicon.ico``.

    Chromium asks for it by itself on every origin; a page does not link to it.
    """
    return urlsplit(url).path == "/favicon.ico"


def is_csp_violation(text: str) -> bool:
    """Return whether a console message is Chromium's report of a Content-Security-Policy block."""
    return "Content Security Policy" in text or "Content-Security-Policy" in text


@dataclass
class Watch:
    """What a page said that a test must not ignore: console errors and uncaught exceptions."""

    errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    uncaught: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        """Record an error-level console message, CSP violations apart."""
        if message.type != "error":
            return
        where = message.location.get("url", "")
        if is_favicon_miss(where):
            return
        text = f"{message.text} ({where})" if where else message.text
        (self.csp_violations if is_csp_violation(message.text) else self.errors).append(text)

    def on_page_error(self, error: Error) -> None:
        """Record an exception the page's own JavaScript did not catch."""
        self.uncaught.append(f"{error.name}: {error.message}")

    def problems(self) -> list[str]:
        """Return every recorded problem, each prefixed with its kind."""
        return [
            *(f"CSP violation: {t}" for t in self.csp_violations),
            *(f"uncaught JS error: {t}" for t in self.uncaught),
            *(f"console error: {t}" for t in self.errors),
        ]

    def assert_clean(self) -> None:
        """Fail listing every CSP violation, uncaught exception and console error so far."""
        found = self.problems()
        assert not found, "the page reported problems:\n" + "\n".join(found)


def watch(page: Page) -> Watch:
    """Start watching ``page``'s console and uncaught errors; return the record."""
    record = Watch()
    page.on("console", record.on_console)
    page.on("pageerror", record.on_page_error)
    return record


def open_page(
    browser: Browser,
    viewport: Viewport,
    *,
    base_url: str | None = None,
    token: str | None = None,
    bypass_csp: bool = False,
) -> tuple[Page, Watch]:
    """Open a page in a fresh context (own cookies) at ``viewport``, watched from the start.

    ``token`` is sent as ``Authorization: Bearer`` on every request (a personal token, as a
    wall display would); ``bypass_csp`` is only for pages that axe-core is injected into.
    """
    headers = {"Authorization": f"Bearer {token}"} if token else None
    context = browser.new_context(
        viewport=viewport.size(),
        base_url=base_url,
        extra_http_headers=headers,
        bypass_csp=bypass_csp,
        locale="en-IE",
        timezone_id="Europe/Dublin",
        reduced_motion="reduce",
    )
    page = context.new_page()
    return page, watch(page)

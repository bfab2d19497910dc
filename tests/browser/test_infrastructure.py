"""The browser checks themselves catch what they promise to, on pages served by the test.

Each page here is answered by Playwright's router (no server), with the console's own
Content-Security-Policy header (docs/console.md), so a check that passes the console's pages
is known to fail a page with the fault it looks for.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pytest
from playwright.sync_api import Browser, Page, Route

from escalations_intake.console.security import CONTENT_SECURITY_POLICY
from tests.browser import checks
from tests.browser.chromium import (
    DESKTOP,
    PHONE,
    Watch,
    is_csp_violation,
    is_favicon_miss,
    open_page,
)

pytestmark = pytest.mark.browser

ORIGIN = "http://console.test"
GOOD = """<!doctype html><html lang="en"><head><title>Queue</title>
<link rel="stylesheet" href="/site.css"></head><body><main><h1>Queue</h1>
<form><label for="q">Search</label><input id="q" name="q"></form></main>
<script type="module" src="/app.js"></script></body></html>"""
BAD = """<!doctype html><html><head><title>Queue</title>
<link rel="stylesheet" href="/site.css"></head><body>
<input name="q"><img src="/x.png"><p class="faint">faint text</p>
<script>document.body.dataset.inline = "ran"</script></body></html>"""
FILES = {
    "/site.css": ("text/css", "body { font: 16px sans-serif; } .faint { color: #eee; }"),
    "/app.js": ("text/javascript", "document.body.dataset.ready = 'yes';"),
    "/broken.js": ("text/javascript", "throw new Error('queue state missing');"),
    "/heavy.js": ("text/javascript", "/*" + "x" * (400 * 1024) + "*/"),
    "/x.png": ("image/png", ""),
}


class Opener(Protocol):
    """Opens a watched page on a Site of the given pages."""

    def __call__(self, pages: dict[str, str], *, bypass_csp: bool = False) -> tuple[Page, Watch]:
        """Return the page and its watch."""
        ...


class Site:
    """Serves pages and files at ORIGIN from memory, each with the console's CSP."""

    def __init__(self, pages: dict[str, str]) -> None:
        """Serve ``pages`` (path -> HTML) beside FILES."""
        self.pages = pages

    def answer(self, route: Route) -> None:
        """Fulfil one request from memory, 404 for anything unknown."""
        path = route.request.url.removeprefix(ORIGIN)
        if path in self.pages:
            kind, body = "text/html", self.pages[path]
        elif path in FILES:
            kind, body = FILES[path]
        else:
            route.fulfill(status=404, body="not found")
            return
        headers = {"Content-Security-Policy": CONTENT_SECURITY_POLICY}
        route.fulfill(status=200, content_type=kind, body=body, headers=headers)


@pytest.fixture
def open_site(browser: Browser) -> Iterator[Opener]:
    """Return a function opening a watched page on a Site of the given pages."""
    opened: list[Page] = []

    def opener(pages: dict[str, str], *, bypass_csp: bool = False) -> tuple[Page, Watch]:
        page, watch = open_page(browser, DESKTOP, bypass_csp=bypass_csp)
        page.route(f"{ORIGIN}/**", Site(pages).answer)
        opened.append(page)
        return page, watch

    yield opener
    for page in opened:
        page.context.close()


def test_a_page_within_the_policy_runs_its_script_and_reports_nothing(open_site: Opener) -> None:
    """Our own script file runs under the console's CSP; nothing is reported."""
    page, watch = open_site({"/": GOOD})
    page.goto(f"{ORIGIN}/")
    page.wait_for_function("document.body.dataset.ready === 'yes'")
    watch.assert_clean()


def test_an_inline_script_is_blocked_and_reported_as_a_csp_violation(open_site: Opener) -> None:
    """An inline <script> does not run, and the watch names the violated directive."""
    page, watch = open_site({"/": BAD})
    page.goto(f"{ORIGIN}/")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.body.dataset.inline") is None
    assert watch.csp_violations, watch.problems()
    assert "script-src" in watch.csp_violations[0]
    with pytest.raises(AssertionError, match="CSP violation"):
        watch.assert_clean()


def test_an_uncaught_error_in_our_script_is_reported(open_site: Opener) -> None:
    """A script that throws is an uncaught JS error, not silently ignored."""
    page, watch = open_site({"/": GOOD.replace("/app.js", "/broken.js")})
    page.goto(f"{ORIGIN}/")
    page.wait_for_load_state("networkidle")
    assert ["Error: queue state missing"] == watch.uncaught, watch.problems()


def test_axe_passes_a_clean_page_and_names_every_serious_finding(open_site: Opener) -> None:
    """The clean page passes; the faulty one fails naming its rules and elements."""
    good, _ = open_site({"/": GOOD}, bypass_csp=True)
    good.goto(f"{ORIGIN}/")
    assert [] == checks.blocking_findings(checks.check_accessibility(good, "good"))
    bad, _ = open_site({"/": BAD}, bypass_csp=True)
    bad.goto(f"{ORIGIN}/")
    with pytest.raises(AssertionError) as failed:
        checks.check_accessibility(bad, "bad")
    message = str(failed.value)
    for rule in ("html-has-lang", "label", "image-alt", "color-contrast"):
        assert f"\n{rule} [" in message, message
    assert "\nlabel [critical] Form elements must have labels: input" in message, message


def test_blocking_findings_keeps_serious_and_critical_and_shortens_long_node_lists() -> None:
    """Minor and moderate findings pass; a long node list shows the first three and a count."""
    nodes = [{"target": [f"#row-{n}"]} for n in range(5)]
    results = {
        "violations": [
            {"id": "region", "impact": "moderate", "help": "landmarks", "nodes": nodes},
            {
                "id": "label",
                "impact": "critical",
                "help": "Form elements need labels",
                "nodes": nodes,
            },
            {"id": "list", "impact": "serious", "help": "Lists", "nodes": nodes[:1]},
        ]
    }
    assert [
        "label [critical] Form elements need labels: #row-0, #row-1, #row-2 (+2 more)",
        "list [serious] Lists: #row-0",
    ] == checks.blocking_findings(results)


def test_page_weight_counts_every_response_and_fails_a_heavy_page(open_site: Opener) -> None:
    """A 400 KB script puts the page over 300 KB; the light page is counted under it."""
    light, _ = open_site({"/": GOOD})
    transfers = checks.page_weight(light, lambda: light.goto(f"{ORIGIN}/"))
    assert {"document", "stylesheet", "script"} <= {t.resource_type for t in transfers}
    assert checks.assert_light(transfers, "light") >= len(GOOD)
    heavy, _ = open_site({"/": GOOD.replace("/app.js", "/heavy.js")})
    transfers = checks.page_weight(heavy, lambda: heavy.goto(f"{ORIGIN}/"))
    with pytest.raises(AssertionError, match=r"heavy transferred \d+ B .*\n.*heavy\.js"):
        checks.assert_light(transfers, "heavy")


def test_screenshots_stay_out_of_the_tree_unless_refreshing(
    open_site: Opener, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without CONSOLE_SCREENSHOTS=1 only the session folder gets the PNG; with it, docs too."""
    docs = tmp_path / "docs"
    monkeypatch.setattr(checks, "SCREENSHOTS", docs)
    page, _ = open_site({"/": GOOD})
    page.set_viewport_size(PHONE.size())
    page.goto(f"{ORIGIN}/")
    monkeypatch.delenv(checks.REFRESH_ENV, raising=False)
    taken = checks.screenshot(page, "queue-phone", tmp_path / "session")
    assert taken.read_bytes().startswith(b"\x89PNG")
    assert not docs.exists()
    monkeypatch.setenv(checks.REFRESH_ENV, "1")
    checks.screenshot(page, "queue-phone", tmp_path / "session")
    assert taken.read_bytes() == (docs / "queue-phone.png").read_bytes()
    with pytest.raises(ValueError, match="letters, digits and dashes"):
        checks.screenshot(page, "../escape", tmp_path)


def test_only_the_browsers_own_favicon_guess_is_not_a_console_error() -> None:
    """A missing /favicon.ico is Chromium's guess, not the page's fault; other misses count."""
    assert is_favicon_miss("http://127.0.0.1:8080/favicon.ico")
    assert not is_favicon_miss("http://127.0.0.1:8080/console/static/favicon.ico")
    assert not is_favicon_miss("http://127.0.0.1:8080/console/static/queue.js")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Refused to execute inline script because it violates the following Content "
            "Security Policy directive: \"script-src 'self'\".",
            True,
        ),
        ("Failed to load resource: the server responded with a status of 404", False),
    ],
)
def test_csp_messages_are_told_apart_from_other_console_errors(text: str, expected: bool) -> None:
    """Chromium's CSP reports are recognised by their wording."""
    assert expected == is_csp_violation(text)

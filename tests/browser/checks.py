"""What every console page must pass in the browser: axe-core, page weight, screenshots.

The console's contract (docs/console.md): no serious or critical axe-core findings, every
page under 300 KB transferred, screenshots of each page kept under ``docs/console/``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import FloatRect, Page, Request

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "console"
REFRESH_ENV = "CONSOLE_SCREENSHOTS"
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
MAX_PAGE_BYTES = 300 * 1024
MAX_SCREENSHOT_HEIGHT = 2400
NODES_SHOWN = 3


def blocking_findings(results: Mapping[str, Any]) -> list[str]:
    """Return one line per serious or critical violation in an ``axe.run()`` result.

    Each line names the rule, its impact, its help text and the first nodes' selectors.
    """
    lines = []
    for violation in results.get("violations", []):
        if violation.get("impact") not in BLOCKING_IMPACTS:
            continue
        nodes = violation.get("nodes", [])
        targets = ", ".join(" ".join(map(str, n.get("target", []))) for n in nodes[:NODES_SHOWN])
        more = f" (+{len(nodes) - NODES_SHOWN} more)" if len(nodes) > NODES_SHOWN else ""
        lines.append(
            f"{violation.get('id')} [{violation.get('impact')}] {violation.get('help')}: "
            f"{targets}{more}"
        )
    return lines


def check_accessibility(page: Page, name: str) -> dict[str, Any]:
    """Run axe-core on ``page`` as it is now; fail naming every serious or critical finding.

    The page's context must bypass CSP (``bypass_csp=True``): axe-core is injected as a
    script tag, which the console's policy rightly refuses. Returns the full axe result.
    """
    if not AXE.exists():
        raise RuntimeError(f"{AXE} is missing: `make node-deps` installs axe-core (npm ci)")
    if page.evaluate("typeof window.axe") == "undefined":
        page.add_script_tag(path=str(AXE))
    results: dict[str, Any] = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']})"
    )
    found = blocking_findings(results)
    assert not found, f"axe-core on {name} ({page.url}):\n" + "\n".join(found)
    return results


def refreshing(env: Mapping[str, str]) -> bool:
    """Return whether this run refreshes the committed screenshots (``CONSOLE_SCREENSHOTS=1``)."""
    return env.get(REFRESH_ENV, "") == "1"


def screenshot(page: Page, name: str, folder: Path) -> Path:
    """Take a full-page PNG of ``page`` into ``folder``; copy it to docs/console/ if refreshing.

    Every run takes the screenshot (so a page that cannot be drawn fails), but only a run
    with ``CONSOLE_SCREENSHOTS=1`` replaces the committed one, so ``make test`` leaves the
    git tree clean. Height is capped so a long page does not make a huge file.
    """
    if not name.replace("-", "").isalnum():
        raise ValueError(f"screenshot name {name!r}: use letters, digits and dashes only")
    folder.mkdir(parents=True, exist_ok=True)
    taken = folder / f"{name}.png"
    width = int(page.evaluate("document.documentElement.clientWidth"))
    height = int(page.evaluate("document.documentElement.scrollHeight"))
    clip = FloatRect(x=0, y=0, width=width, height=min(height, MAX_SCREENSHOT_HEIGHT))
    page.screenshot(path=str(taken), full_page=True, clip=clip, animations="disabled", caret="hide")
    if refreshing(os.environ):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(taken, SCREENSHOTS / taken.name)
    return taken


@dataclass(frozen=True)
class Transfer:
    """One response of a page load and the bytes it took on the wire."""

    url: str
    resource_type: str
    size: int


def weigh(transfers: Sequence[Transfer]) -> int:
    """Return the total bytes of ``transfers``."""
    return sum(t.size for t in transfers)


def describe(transfers: Sequence[Transfer]) -> str:
    """Return one line per transfer, heaviest first, for a failure message."""
    ordered = sorted(transfers, key=lambda t: t.size, reverse=True)
    return "\n".join(f"{t.size:>9} B  {t.resource_type:<10} {t.url}" for t in ordered)


def page_weight(page: Page, load: Callable[[], object]) -> list[Transfer]:
    """Return every response transferred while ``load()`` loads a page, until the network idles.

    Sizes are Chromium's own counts of response headers and (encoded) body bytes.
    """
    finished: list[Request] = []

    def record(request: Request) -> None:
        finished.append(request)

    page.on("requestfinished", record)
    try:
        load()
        page.wait_for_load_state("networkidle")
    finally:
        page.remove_listener("requestfinished", record)
    transfers = []
    for request in finished:
        sizes = request.sizes()
        size = sizes["responseHeadersSize"] + max(sizes["responseBodySize"], 0)
        transfers.append(Transfer(request.url, request.resource_type, size))
    return transfers


def assert_light(transfers: Sequence[Transfer], name: str) -> int:
    """Fail if the page load transferred ``MAX_PAGE_BYTES`` or more; return its weight."""
    total = weigh(transfers)
    assert total < MAX_PAGE_BYTES, (
        f"{name} transferred {total} B (limit {MAX_PAGE_BYTES} B):\n{describe(transfers)}"
    )
    return total

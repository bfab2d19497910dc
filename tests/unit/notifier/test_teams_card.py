"""Teams cards checked by Microsoft's Adaptive Cards library (npm ``adaptivecards``).

The checker lives in tests/adaptivecards, pinned by its package-lock.json and installed by
``make test`` / ``make test-unit`` (``npm ci``). Without it these tests fail, never skip.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import orjson

from escalations.core.escalation import ContentRef
from escalations_notifier.channels.teams import TeamsChannel

from .test_formats import CLIENT, TEMPLATES, messages
from .test_hostile_chat import HOSTILE

CHECKER = Path(__file__).parents[2] / "adaptivecards"


def check(cards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return, per card, what the adaptivecards library reports about it."""
    node = shutil.which("node")
    installed = (CHECKER / "node_modules" / "adaptivecards").is_dir()
    assert node, "Node.js is needed to check Teams cards"
    assert installed, "run `make node-deps` (npm ci in tests/adaptivecards) first"
    done = subprocess.run(
        [node, str(CHECKER / "check.js")], input=orjson.dumps(cards),
        capture_output=True, check=True, timeout=60,
    )  # fmt: skip
    return list(orjson.loads(done.stdout))


def cards(channel_messages: list[Any]) -> list[dict[str, Any]]:
    """Return the Adaptive Card of each Teams message."""
    render = TeamsChannel(CLIENT, TEMPLATES).render
    return [orjson.loads(render(m))["attachments"][0]["content"] for m in channel_messages]


def test_every_event_type_gives_a_card_the_library_accepts() -> None:
    """No parse or validation message for any event type, with all blocks and actions read."""
    reports = check(cards(messages("teams")))
    assert [([], True, 2)] * 5 == [(r["messages"], r["body"] >= 5, r["actions"]) for r in reports]


def test_hostile_text_still_gives_a_valid_card() -> None:
    """Markup, controls and bidi characters in every field leave every card valid."""
    every = []
    for text in HOSTILE:
        refs = (ContentRef(kind="pin", id=text, url="https://example.com/a|b"),)
        every += messages("teams", title=text, description=text, content_refs=refs)
    assert [[]] * len(every) == [r["messages"] for r in check(cards(every))]


def test_the_largest_clipped_card_is_valid() -> None:
    """A clipped 20,000-character description and 100 refs give a card the library accepts."""
    refs = tuple(ContentRef(kind="pin", id=f"ref-{n}", url="https://example.com/" + "x" * 2000)
                 for n in range(100))  # fmt: skip
    report = check(cards(messages("teams", description="ж" * 20_000, content_refs=refs)[:1]))
    assert [] == report[0]["messages"]


def test_the_checker_reports_a_broken_card() -> None:
    """The library is really checking: an unknown size and an action without a URL fail."""
    broken = {"type": "AdaptiveCard", "version": "1.4",
              "body": [{"type": "TextBlock", "text": "x", "size": "Enormous"}],
              "actions": [{"type": "Action.OpenUrl", "title": "Open"}]}  # fmt: skip
    assert 2 == len(check([broken])[0]["messages"])

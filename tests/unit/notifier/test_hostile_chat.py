"""Hostile user text cannot ping, link, format or hide anything, in any channel or field."""

from __future__ import annotations

import re
from typing import Any

import orjson
import pytest

from escalations.contracts.events import Deadlines, RiseCause, TierRaised
from escalations.core.escalation import Tier
from escalations_notifier.channels import Message
from escalations_notifier.channels.email import EmailChannel
from escalations_notifier.channels.pagerduty import PagerDutyChannel
from escalations_notifier.channels.slack import SlackChannel
from escalations_notifier.channels.teams import TeamsChannel

from .fixtures import NOW, PUBLIC, event, planner, summary
from .test_formats import CLIENT, SMTP, TEMPLATES, messages

HOSTILE = [
    "<!channel> see <https://evil.example|your bank>",
    "<!here> <!everyone> <@U123> <#C123|general> <!subteam^S1|@oncall>",
    "[your bank](https://evil.example) ![x](https://evil.example/x.png) <https://evil.example>",
    "**bold** _it_ ~~gone~~ `code` | table |\n# heading\n> quote\n- item\n1. first",
    "<script>alert(1)</script><img src=x onerror=alert(1)>&amp;",
    # NUL never reaches an event (the request is refused), the other controls can.
    "ctrl\x01\x07\x1b[31mred\x7f\x9b end",
    "zero\u200bwidth\ufeff bidi \u202egnp.exe\u202c \u2066iso\u2069",
    "@channel @here @all back\\[x](https://evil.example)",
]
# What may never survive into any rendered text: controls (but the line feed), bidi
# embeddings, overrides and isolates, zero-width spaces, word joiners and BOMs.
INVISIBLE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b\u2060\ufeff\u202a-\u202e\u2066-\u2069]")
OWN_LINK = re.escape(PUBLIC)
HOSTILE_URL = "https://evil.example/a|your bank>?q=<!channel>"


def _tier_raised(channel: str, **changes: Any) -> Message:
    """Return Ana's escalation.tier_raised message on ``channel``."""
    payload = TierRaised(
        escalation=summary(tier=Tier.P0, **changes), previous_tier=Tier.P2, tier=Tier.P0,
        score=90, cause=RiseCause.REPORT, detail="a repeat report", level=1, targets=("ana",),
        deadlines=Deadlines(), raised_at=NOW,
    )  # fmt: skip
    plan = planner().plan(event(payload), payload)
    return next(m for m in plan.messages if m.channel == channel and m.recipient == "ana")


def _each(channel: str) -> list[tuple[str, Message]]:
    """Return, per hostile string, Ana's assignment and tier rise with the string everywhere.

    The string is the title, the description and the content ids; the tier rise uses a
    template of its own, so this shows the layouts protect every template.
    """
    found = []
    for text in HOSTILE:
        refs = ({"kind": "pin", "id": text, "url": HOSTILE_URL}, {"kind": "pin", "id": text})
        fields = {"title": text, "description": text, "content_refs": refs}
        found.append((text, messages(channel, **fields)[0]))
        found.append((text, _tier_raised(channel, **fields)))
    return found


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return []


def _unescaped_markdown(text: str) -> list[str]:
    """Return Markdown control characters in ``text`` that no backslash escapes."""
    found, escaped = [], False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "[]*_`<>~|":
            found.append(char)
    return found


def _slack_mrkdwn(doc: dict[str, Any]) -> list[str]:
    texts = []
    for block in doc["blocks"]:
        if block["type"] == "section":
            texts += [block["text"]["text"]] if "text" in block else []
            texts += [field["text"] for field in block.get("fields", [])]
        if block["type"] == "context":
            texts += [element["text"] for element in block["elements"]]
    return texts


@pytest.mark.parametrize(("text", "message"), _each("slack"))
def test_slack_blocks_carry_no_mention_link_or_hidden_character(
    text: str, message: Message
) -> None:
    """Every '<' in mrkdwn opens one of our own links; nothing invisible gets through."""
    doc = orjson.loads(SlackChannel(CLIENT, TEMPLATES).render(message))
    texts = _slack_mrkdwn(doc)
    stray = [t for t in texts if re.search(rf"<(?!{OWN_LINK}|https://evil\.example/a%7C)", t)]
    assert [] == stray
    assert [] == [t for t in _strings(doc) if INVISIBLE.search(t.replace("@\u200b", "@"))]
    assert (
        "https://evil.example/a%7Cyour%20bank%3E?q=%3C!channel%3E"
        in doc["blocks"][4]["elements"][0]["text"]
    )


@pytest.mark.parametrize(("text", "message"), _each("slack"))
def test_slack_fallback_is_inert_in_mattermost_too(text: str, message: Message) -> None:
    """The text fallback has no Slack mention, no Markdown link, no bare @channel."""
    fallback = orjson.loads(SlackChannel(CLIENT, TEMPLATES).render(message))["text"]
    own_links = re.sub(rf"<{OWN_LINK}[^>]*>", "", fallback)
    assert [] == re.findall(r"<[!@#]|(?<![\\])\[[^\]]*(?<!\\)\]\(", own_links)
    assert [] == re.findall(r"@(?:channel|here|all)\b", own_links)
    assert [] == [c for c in _unescaped_markdown(own_links) if c in "[]*_`~"]


@pytest.mark.parametrize(("text", "message"), _each("teams"))
def test_teams_card_text_escapes_every_markdown_control(text: str, message: Message) -> None:
    """Text blocks and facts: no unescaped link, emphasis, code, heading or HTML syntax."""
    card = orjson.loads(TeamsChannel(CLIENT, TEMPLATES).render(message))["attachments"][0]
    content = card["content"]
    texts = [b["text"] for b in content["body"] if b["type"] == "TextBlock"]
    texts += [v for b in content["body"] if b["type"] == "FactSet" for f in b["facts"]
              for v in f.values()]  # fmt: skip
    assert [] == [(t, _unescaped_markdown(t)) for t in texts if _unescaped_markdown(t)]
    assert [] == [t for t in texts if INVISIBLE.search(t)]
    assert [] == [line for t in texts for line in t.split("\n")
                  if re.match(r"\s*(?:[-+>#=]|\d+[.)])", line)]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), _each("email"))
def test_email_escapes_html_and_drops_hidden_characters(text: str, message: Message) -> None:
    """HTML shows markup as text, links only http(s); subject and text hide nothing."""
    mail = EmailChannel(SMTP, TEMPLATES).compose(message)
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    plain = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert ("<script" in html, "<img" in html, "onerror=alert" in html.replace("=\n", "")) == (
        False, False, "onerror=alert" in text,
    )  # fmt: skip
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert [] == [h for h in hrefs if not h.startswith(("https://", "http://"))]
    assert [] == [part for part in (mail["Subject"], plain, html) if INVISIBLE.search(part)]
    assert "\n" not in mail["Subject"]


@pytest.mark.parametrize(("text", "message"), _each("pagerduty"))
def test_pagerduty_keeps_data_but_cleans_the_summary(text: str, message: Message) -> None:
    """Details are data, sent as they came; the summary a pager shows has nothing hidden."""
    event = orjson.loads(PagerDutyChannel(CLIENT, "http://pd", TEMPLATES).render(message))
    payload = event["payload"]
    assert (None, text) == (
        INVISIBLE.search(payload["summary"]),
        payload["custom_details"]["description"],
    )

"""Escaping per format: user text cannot mention, link or format, and hides nothing."""

from __future__ import annotations

import pytest

from escalations_notifier.markup import chat_fallback, clean, markdown, slack, slack_url, web_url


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\x00b\x07c\x1bd\x7fe\x9bf", "abcdef"),  # C0 and C1 controls
        ("tab\there", "tab here"),
        ("one\r\ntwo\rthree\u2028four", "one\ntwo\nthree\nfour"),
        ("pay\u202egnp.exe", "paygnp.exe"),  # right-to-left override (Trojan Source)
        ("\u2066iso\u2069 \u202aemb\u202c", "iso emb"),  # isolates and embeddings
        ("zero\u200bwidth\u2060joiner\ufeff", "zerowidthjoiner"),
        ("lone \ud800 surrogate", "lone  surrogate"),
    ],
)
def test_clean_removes_controls_and_disguising_characters(text: str, expected: str) -> None:
    """Controls, bidi overrides, zero-width spaces and lone surrogates are dropped."""
    assert expected == clean(text)


def test_clean_keeps_what_scripts_and_emoji_need() -> None:
    """ZWJ emoji, ZWNJ in Persian, right-to-left marks and line feeds stay."""
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # ZWNJ inside the word
    hebrew = "\u200f\u05e9\u05dc\u05d5\u05dd"  # after a right-to-left mark
    text = f"\U0001f468\u200d\U0001f469 {persian} {hebrew}\nnext"
    assert text == clean(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<!channel> & <!here>", "&lt;!channel&gt; &amp; &lt;!here&gt;"),
        ("<@U123> <#C42|general>", "&lt;@U123&gt; &lt;#C42|general&gt;"),
        ("<https://evil.example|your bank>", "&lt;https://evil.example|your bank&gt;"),
        ("&lt; stays literal", "&amp;lt; stays literal"),
    ],
)
def test_slack_escapes_the_three_control_characters(text: str, expected: str) -> None:
    """Mentions, channel links and disguised links reach Slack as text."""
    assert expected == slack(text)


def test_slack_url_cannot_close_or_relabel_a_link() -> None:
    """A URL with | or > stays one URL inside <url|label>."""
    assert "https://x.example/a%7Cyour%20bank&gt;" == slack_url("https://x.example/a|your bank>")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[x](https://evil)", r"\[x\](https://evil)"),
        ("**bold** _it_ ~~s~~ `code`", r"\*\*bold\*\* \_it\_ \~\~s\~\~ \`code\`"),
        ("<https://evil> ![img](u)", r"\<https://evil\> !\[img\](u)"),
        (
            "# head\n> quote\n- item\n  + item\n1. one\n2) two\n===",
            "\\# head\n\\> quote\n\\- item\n  \\+ item\n1\\. one\n2\\) two\n\\===",
        ),
        ("a #tag (x) 2.5", "a #tag (x) 2.5"),  # "#" and ")" matter only at a line start
        ("a-b 2.5 x+y", "a-b 2.5 x+y"),  # only at a line start do these make lists
        ("back\\slash | pipe & amp", r"back\\slash \| pipe \& amp"),
    ],
)
def test_markdown_escapes_links_formatting_and_block_syntax(text: str, expected: str) -> None:
    """Teams card text: no link, emphasis, code, heading, quote, list or table from users."""
    assert expected == markdown(text)


def test_chat_fallback_is_safe_for_slack_and_mattermost() -> None:
    """Entities for Slack, Markdown escapes and broken @mentions for Mattermost/Rocket.Chat."""
    text = "<!channel> @here @all [x](https://evil) *b* a@b.example"
    expected = (
        "&lt;!channel&gt; @\u200bhere @\u200ball \\[x\\](https://evil) \\*b\\* a@\u200bb.example"
    )
    assert expected == chat_fallback(text)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/pin/1", "https://example.com/pin/1"),
        ("http://example.com", "http://example.com"),
        ("javascript:alert(1)", None),
        ("data:text/html,<script>", None),
        ("//example.com/x", None),
        ("https://example.com/a b", None),
        ("https://exa\u202emple.com", None),
        (None, None),
    ],
)
def test_only_absolute_web_urls_become_links(url: str | None, expected: str | None) -> None:
    """Schemes other than http(s), relative URLs and hidden characters are refused."""
    assert expected == web_url(url)

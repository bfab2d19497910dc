"""Making user text inert in each message format.

The rules per format: docs/integrations.md, "Notifications: escaping and message limits".

Pure. User text (titles, descriptions, content ids and URLs, names, notes) is cleaned
first: control characters, lone surrogates and the invisible characters that can disguise
text (bidirectional embeddings, overrides and isolates; zero-width space, word joiner,
invisible operators, byte-order mark) are removed, and line breaks are normalised. The
zero-width joiner and non-joiner and the left-to-right and right-to-left marks stay:
emoji sequences and Persian, Arabic and Hebrew text need them. Then each format's own
escaping applies, so user text can neither mention, link nor format anything.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_INVISIBLE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f"  # control characters but the line feed
    "\u180e\u200b\u2060-\u2064\ufeff"  # zero-width space, word joiner, invisible operators, BOM
    "\u202a-\u202e\u2066-\u2069"  # bidirectional embeddings, overrides and isolates
    "\ud800-\udfff]"  # lone surrogates (valid text holds none)
)
_LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029\x85]")
# CommonMark lets a backslash escape any ASCII punctuation. These make emphasis, code,
# links, autolinks, HTML, entities, tables or strikethrough anywhere in a line ("(", ")"
# and "!" only matter next to "[" or "]", which are escaped).
_MARKDOWN_SPECIALS = "\\`*_[]<>|~&"
_SLACK = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_MARKDOWN = str.maketrans({char: "\\" + char for char in _MARKDOWN_SPECIALS})
# The fallback: Slack's entities for & < >, and Markdown escapes for the rest.
_FALLBACK = str.maketrans(
    {char: "\\" + char for char in _MARKDOWN_SPECIALS if char not in "&<>"}
    | {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
)
# Headings, list items and setext underlines only count at the start of a line.
_LINE_START = re.compile(r"(?m)^(\s*(?:\d{1,9}(?=[.)]))?)([-+=#.)])")
# "@name" pings in Mattermost and Rocket.Chat without any markup; a zero-width space
# after the "@" keeps it looking the same but makes it plain text.
_MENTION = re.compile(r"@(?=\w)")
_SPACE = re.compile(r"\s")


def clean(text: object) -> str:
    """Return text without control or disguising invisible characters; tabs become spaces."""
    value = str(text)
    if value.isprintable():  # no control, format or separator character: nothing to drop
        return value
    value = _LINE_BREAKS.sub("\n", value).replace("\t", " ")
    return _INVISIBLE.sub("", value)


def slack(text: object) -> str:
    """Escape text for Slack mrkdwn: ``&``, ``<`` and ``>``, so no mention or link can form."""
    return clean(text).translate(_SLACK)


def slack_url(url: str) -> str:
    """Escape a URL for a Slack ``<url|label>`` link: it cannot end the link or relabel it."""
    return slack(url).replace("|", "%7C").replace(" ", "%20")


def markdown(text: object) -> str:
    """Escape text for Markdown (Teams cards, Mattermost): it cannot link or format."""
    value = clean(text).translate(_MARKDOWN)
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), value)


def chat_fallback(text: object) -> str:
    """Escape text for a Slack ``text`` that Mattermost and Rocket.Chat render as Markdown."""
    value = clean(text).translate(_FALLBACK)
    value = _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), value)
    return _MENTION.sub("@\u200b", value)


def web_url(url: object) -> str | None:
    """Return the URL if it is an absolute http(s) URL without spaces or controls, else None."""
    if not isinstance(url, str) or url != clean(url) or _SPACE.search(url):
        return None
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None

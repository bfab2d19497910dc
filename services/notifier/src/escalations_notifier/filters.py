"""Template filters: each format's escaping with the one clipping policy (docs/integrations.md).

Every template reaches user text through these filters (the layouts apply them), so a new
template gets the escaping and the limits by using a layout. When text is clipped, the cut
is marked "… (clipped, see <link to the escalation>)" in the format's own link syntax; a
list that does not fit ends with "… and N more (clipped, see <link>)".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import orjson
from markupsafe import Markup, escape

from escalations_notifier import markup
from escalations_notifier.clip import ELLIPSIS, clip, json_bytes, take, utf16_units

CLIPPED = "clipped, see"
LINK_LABEL = "the escalation"
Ref = Mapping[str, Any]


def _md_url(url: str) -> str:
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def slack_marker(view: str | None) -> str:
    """Return the clip marker for Slack mrkdwn, linking to the escalation."""
    if not view:
        return ELLIPSIS
    return f" {ELLIPSIS} ({CLIPPED} <{markup.slack_url(view)}|{LINK_LABEL}>)"


def markdown_marker(view: str | None) -> str:
    """Return the clip marker for Markdown (Teams), linking to the escalation."""
    return f" {ELLIPSIS} ({CLIPPED} [{LINK_LABEL}]({_md_url(view)}))" if view else ELLIPSIS


def plain_marker(view: str | None) -> str:
    """Return the clip marker for plain text, with the escalation's address."""
    return f" {ELLIPSIS} ({CLIPPED} {view})" if view else ELLIPSIS


def slack_text(text: object, limit: int, view: str | None = None) -> str:
    """Return mrkdwn-escaped text within ``limit`` characters (UTF-16 units)."""
    return clip(str(text), limit, marker=lambda: slack_marker(view), render=markup.slack)


def plain(text: object, limit: int, view: str | None = None) -> str:
    """Return cleaned plain text within ``limit`` characters (UTF-16 units)."""
    return clip(str(text), limit, marker=lambda: plain_marker(view), render=markup.clean)


def fallback(text: object, limit: int) -> str:
    """Return text for the Slack ``text`` fallback (also Mattermost/Rocket.Chat Markdown)."""
    return clip(str(text), limit, render=markup.chat_fallback)


def markdown_text(text: object, limit: int, view: str | None = None) -> str:
    """Return Markdown-escaped text within ``limit`` bytes of JSON (Teams)."""
    return clip(
        str(text),
        limit,
        marker=lambda: markdown_marker(view),
        measure=json_bytes,
        render=markup.markdown,
    )


def data(text: object, limit: int, view: str | None = None) -> str:
    """Return text kept as data (PagerDuty details) within ``limit`` bytes of JSON."""
    return clip(str(text), limit, marker=lambda: plain_marker(view), measure=json_bytes)


def html(text: object, limit: int, view: str | None = None) -> Markup:
    """Return HTML-escaped text within ``limit`` characters, the marker a real link."""
    tail = Markup(' {} ({} <a href="{}">{}</a>)').format(ELLIPSIS, CLIPPED, view, LINK_LABEL)
    rendered = clip(
        str(text),
        limit,
        marker=str(tail) if view else ELLIPSIS,
        render=lambda value: str(escape(markup.clean(value))),
    )
    return Markup(rendered)  # noqa: S704 - built from escaped text and an escaped marker


def slack_link(url: object, label: object) -> str:
    """Return a Slack ``<url|label>`` link, or the escaped label alone for a non-web URL."""
    safe = markup.web_url(url)
    text = markup.slack(label)
    return f"<{markup.slack_url(safe)}|{text}>" if safe else text


def markdown_link(url: object, label: object) -> str:
    """Return a Markdown ``[label](url)`` link, or the escaped label alone for a non-web URL."""
    safe = markup.web_url(url)
    text = markup.markdown(label)
    return f"[{text}]({_md_url(safe)})" if safe else text


def _more(marker: Callable[[str | None], str], view: str | None) -> Callable[[int], str]:
    return lambda count: (
        f"{ELLIPSIS} and {count} more" + (marker(view).removeprefix(f" {ELLIPSIS}") if view else "")
    )


def _slack_ref(ref: Ref) -> str:
    url = markup.web_url(ref.get("url"))
    return f"{markup.slack(ref['kind'])} {slack_text(ref['id'], 300)}" + (
        f" {slack_link(url, url)}" if url else ""
    )


def _markdown_ref(ref: Ref) -> str:
    url = markup.web_url(ref.get("url"))
    return f"{markup.markdown(ref['kind'])} {markdown_text(ref['id'], 600)}" + (
        f" {markup.markdown(url)}" if url else ""
    )


def slack_refs(refs: Sequence[Ref], limit: int, view: str | None = None) -> str:
    """Return content refs as mrkdwn lines, as many as fit ``limit`` characters."""
    more = _more(slack_marker, view)
    return "\n".join(take(refs, limit, more, lambda line: utf16_units(line) + 1, _slack_ref))


def markdown_refs(refs: Sequence[Ref], limit: int, view: str | None = None) -> list[str]:
    """Return content refs as Markdown lines (one Teams block each) within ``limit`` bytes."""
    # Each line becomes a TextBlock of its own: about 60 bytes of JSON around the text.
    more = _more(markdown_marker, view)
    return take(refs, limit, more, lambda line: json_bytes(line) + 60, _markdown_ref)


def data_refs(refs: Iterable[Ref], limit: int) -> tuple[list[Ref], int]:
    """Return the leading content refs that fit ``limit`` bytes of JSON, and how many did not."""
    every = list(refs)
    used = 0
    for position, ref in enumerate(every):
        used += len(orjson.dumps(ref)) + 1
        if used > limit:
            return every[:position], len(every) - position
    return every, 0


def refs_list(refs: Iterable[Ref], count: int) -> tuple[list[Ref], int]:
    """Return the first ``count`` content refs and how many were left out (e-mail)."""
    every = list(refs)
    return every[:count], max(0, len(every) - count)


FILTERS: dict[str, Callable[..., Any]] = {
    "slack_text": slack_text,
    "plain": plain,
    "fallback": fallback,
    "markdown_text": markdown_text,
    "data": data,
    "html": html,
    "slack_link": slack_link,
    "markdown_link": markdown_link,
    "slack_refs": slack_refs,
    "markdown_refs": markdown_refs,
    "refs_list": refs_list,
    "data_refs": data_refs,
    "web_url": markup.web_url,
}

"""Message templates (Jinja2): one per channel and event type, under ``templates/``.

Chat and pager templates build their JSON document as data and end with ``tojson``, so a
title full of quotes or markup can never break the payload. E-mail templates set three
variables, ``subject``, ``text`` and ``html``; the HTML layout is autoescaped. The layouts
pass user text through the filters in ``filters.py`` (each format's escaping and the one
clipping policy), so every template that uses a layout gets both.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    select_autoescape,
)

from escalations_notifier import markup
from escalations_notifier.clip import clip
from escalations_notifier.filters import FILTERS

TEMPLATES = Path(__file__).parent / "templates"
# E-mail subjects: long enough for tier, headline and a title, short enough for any client.
SUBJECT_MAX = 200
# The default budget for a message's free text (description, content refs), in bytes of
# JSON; a channel with a size limit passes a smaller one when the message would not fit.
ROOM = 24_000


class TemplateError(ValueError):
    """No template for a channel and event type, or one that renders an invalid document."""


@dataclass(frozen=True)
class EmailParts:
    """A rendered e-mail."""

    subject: str
    text: str
    html: str


class Templates:
    """Renders message bodies; each template is compiled once, on first use, and kept."""

    def __init__(self, folder: Path = TEMPLATES) -> None:
        self._env = Environment(
            loader=FileSystemLoader(folder),
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
            undefined=StrictUndefined,
            extensions=["jinja2.ext.do"],
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            # Templates ship with the code: no need to stat the file on every render.
            auto_reload=False,
        )
        self._compiled: dict[tuple[str, str], Any] = {}
        self._env.filters.update(FILTERS)
        self._env.filters["clip"] = clip
        self._env.filters["slack_escape"] = markup.slack

    def _template(self, channel: str, event_type: str) -> Any:
        template = self._compiled.get((channel, event_type))
        if template is None:
            name = f"{channel}/{event_type}.j2"
            try:
                template = self._env.get_template(name)
            except TemplateNotFound as exc:
                raise TemplateError(f"no {channel} template for {event_type} ({name})") from exc
            self._compiled[channel, event_type] = template
        return template

    def render_json(
        self, channel: str, event_type: str, body: dict[str, Any], room: int = ROOM
    ) -> Any:
        """Render a channel's JSON document, checked to parse; ``room`` bounds the free text."""
        rendered = self._template(channel, event_type).render(**body, room=room)
        try:
            return orjson.loads(rendered)
        except orjson.JSONDecodeError as exc:
            raise TemplateError(f"{channel}/{event_type}.j2 rendered invalid JSON: {exc}") from exc

    def render_text(self, channel: str, event_type: str, body: dict[str, Any]) -> str:
        """Render a channel's plain-text template."""
        return str(self._template(channel, event_type).render(**body, room=ROOM)).strip()

    def render_email(self, event_type: str, body: dict[str, Any]) -> EmailParts:
        """Render the subject, plain-text and HTML parts of an e-mail."""
        module = self._template("email", event_type).make_module({**body, "room": ROOM})
        subject = " ".join(markup.clean(module.subject).split())
        return EmailParts(
            clip(subject, SUBJECT_MAX), str(module.text).strip() + "\n", str(module.html)
        )

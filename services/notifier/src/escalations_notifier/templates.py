"""Message templates (Jinja2): one per channel and event type, under ``templates/``.

Chat and pager templates build their JSON document as data and end with ``tojson``, so a
title full of quotes or markup can never break the payload. E-mail templates set three
variables, ``subject``, ``text`` and ``html``; the HTML layout is autoescaped.
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

TEMPLATES = Path(__file__).parent / "templates"


class TemplateError(ValueError):
    """No template for a channel and event type, or one that renders an invalid document."""


def clip(value: str, limit: int) -> str:
    """Return ``value`` cut to ``limit`` characters, marking the cut with an ellipsis."""
    return value if len(value) <= limit else value[: limit - 1] + "\u2026"


def slack_escape(value: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control sequences."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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
        self._env.filters["clip"] = clip
        self._env.filters["slack_escape"] = slack_escape

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

    def render_json(self, channel: str, event_type: str, body: dict[str, Any]) -> Any:
        """Render a channel's JSON document for a message body, checked to parse."""
        rendered = self._template(channel, event_type).render(**body)
        try:
            return orjson.loads(rendered)
        except orjson.JSONDecodeError as exc:
            raise TemplateError(f"{channel}/{event_type}.j2 rendered invalid JSON: {exc}") from exc

    def render_text(self, channel: str, event_type: str, body: dict[str, Any]) -> str:
        """Render a channel's plain-text template."""
        return str(self._template(channel, event_type).render(**body)).strip()

    def render_email(self, event_type: str, body: dict[str, Any]) -> EmailParts:
        """Render the subject, plain-text and HTML parts of an e-mail."""
        module = self._template("email", event_type).make_module(body)
        subject = " ".join(str(module.subject).split())
        return EmailParts(clip(subject, 200), str(module.text).strip() + "\n", str(module.html))

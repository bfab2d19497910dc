"""Render console pages: one Jinja2 environment, autoescaped, strict about missing names.

``page`` answers a full page (``templates/<name>.html`` extending ``base.html``) and
``fragment`` a partial (``templates/_<name>.html``, e.g. the queue's rows); both carry the
security headers of ``security.py``. Every page sees ``viewer`` (the signed-in person, or
None on an error page before sign-in), ``nav`` and ``csrf_token`` (docs/console.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from escalations_intake.console.security import secured

TEMPLATES = Path(__file__).parent / "templates"
NAV = (
    ("queue", "Queue", "/console"),
    ("oncall", "On call", "/console/oncall"),
    ("handoffs", "Handoffs", "/console/handoffs"),
    ("simulate", "Simulate", "/console/simulate"),
    ("health", "Health", "/console/health"),
)
VIEWER_STATE = "console_person"

ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.globals["nav"] = NAV


def printable(text: object) -> str:
    """Return ``text`` with control characters shown as U+FFFD (escaping is autoescape's)."""
    return "".join(
        "\ufffd" if (ord(c) < 32 and c not in "\t\n") or 127 <= ord(c) < 160 else c
        for c in str(text)
    )


ENV.filters["printable"] = printable


def viewer_of(request: Request) -> Any:
    """Return the ``ConsolePerson`` the request's dependency found, or None."""
    return getattr(request.state, VIEWER_STATE, None)


def page(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render ``template`` as a whole page for the request's person, with the headers."""
    viewer = viewer_of(request)
    values = {
        "viewer": viewer,
        "csrf_token": viewer.csrf_token if viewer is not None else None,
        "active": "",
        **context,
    }
    body = ENV.get_template(template).render(values)
    response = HTMLResponse(body, status_code=status, headers=dict(headers or {}))
    secured(response)
    return response


def fragment(template: str, context: Mapping[str, Any], status: int = 200) -> HTMLResponse:
    """Render a partial template (no page around it), with the headers."""
    body = ENV.get_template(template).render(dict(context))
    response = HTMLResponse(body, status_code=status)
    secured(response)
    return response


def error_page(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    """Render the console's error page (404, 403, 400, ...) saying ``message``."""
    return page(request, "error.html", {"title": title, "message": message}, status=status)

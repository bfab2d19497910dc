"""The few HTML pages a browser sees while signing in: every value shown is escaped."""

from __future__ import annotations

import html

from fastapi.responses import HTMLResponse

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="robots" content="noindex"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}}
</style></head>
<body><h1>{title}</h1><p>{message}</p>{more}</body></html>
"""
_AGAIN = '<p><a href="/v1/auth/sign-in">Sign in again</a></p>'


def page(
    status: int,
    title: str,
    message: str,
    *,
    again: bool = True,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Return an HTML page saying ``message`` (escaped here, never by the caller)."""
    body = _PAGE.format(
        title=html.escape(title), message=html.escape(message), more=_AGAIN if again else ""
    )
    sent = {"Cache-Control": "no-store", **(headers or {})}
    return HTMLResponse(body, status_code=status, headers=sent)

"""The headers every console response carries (docs/console.md, "Security headers").

No inline script or style is allowed anywhere: the policy below has no 'unsafe-inline', so
templates load ``/console/static/*.css`` and ``*.js`` and never use ``style=`` or ``on*=``.
"""

from __future__ import annotations

from starlette.responses import Response

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
PAGE_CACHE = "no-store"
STATIC_CACHE = "public, max-age=3600"


def secured(response: Response, *, cache: str = PAGE_CACHE) -> Response:
    """Add the console's security headers and ``Cache-Control`` to ``response``; return it."""
    for name, value in HEADERS.items():
        response.headers[name] = value
    response.headers["Cache-Control"] = cache
    return response

"""Where a browser may be sent back to after signing in or acting: a console page only.

``next`` of ``/v1/auth/sign-in`` and a console form's ``back`` are the caller's to choose,
so they are accepted only as a local path under ``/console`` (never another host, never a
scheme, never ``//`` or a backslash that a browser would read as one): otherwise the
default applies (docs/sign-in.md, "Coming back to the console"). Pure.
"""

from __future__ import annotations

CONSOLE = "/console"
MAX_LENGTH = 500


def console_path(value: str | None) -> str | None:
    """Return ``value`` if it is a local console path (with its query), else None."""
    if not value or len(value) > MAX_LENGTH:
        return None
    if any(ord(c) < 33 or ord(c) == 127 or c == "\\" for c in value):
        return None
    path = value.split("?", 1)[0].split("#", 1)[0]
    if path != CONSOLE and not path.startswith(CONSOLE + "/"):
        return None
    if "//" in path or "/../" in path + "/" or "/./" in path + "/":
        return None
    return value.split("#", 1)[0]

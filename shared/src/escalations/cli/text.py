"""Text from files and records, made safe to print on a terminal or in a CI log."""

from __future__ import annotations

import unicodedata

# A message quotes what a file or record says; a hostile or broken one must not flood output.
MAX_MESSAGE_CHARS = 2000


def clean(text: str, limit: int = MAX_MESSAGE_CHARS, *, keep_newlines: bool = False) -> str:
    """Return ``text`` safe for a terminal: control and direction characters escaped, cut."""
    out = []
    for char in text[:limit]:
        if char == "\n" and keep_newlines:
            out.append(char)
        elif unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            out.append(char.encode("unicode_escape").decode("ascii"))
        else:
            out.append(char)
    cut = len(text) - limit
    return "".join(out) + (f"... ({cut} more characters)" if cut > 0 else "")

"""Personal API tokens: their format and how a new one is made (stored by ``db.tokens``).

A token is ``ept_`` and 256 random bits, so it cannot be taken for a source key
(``esk_``); only its SHA-256 is stored, like a key's (``api_keys.hash_key``).
"""

from __future__ import annotations

import secrets

TOKEN_PREFIX = "ept_"  # noqa: S105  # a public prefix, not a secret
# What ``tokens list`` shows to tell tokens apart: the prefix and a few random characters.
SHOWN_PREFIX = 12


def new_token() -> str:
    """Return a fresh personal token (shown once, never stored)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)

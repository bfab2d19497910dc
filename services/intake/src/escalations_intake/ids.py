"""Escalation ids: derived from (source, external_id) so repeats land on the same key.

Both ids of every create are written here as ``uuid`` would write them, without building
``UUID`` objects (a test holds the strings equal to ``str(uuid.uuid5(...))``).
"""

from __future__ import annotations

import hashlib
import os
import uuid

# Fixed namespace for this product; changing it would split every existing escalation.
NAMESPACE = uuid.UUID("6f1c1d2e-3b5a-5e0f-9a47-2c6d1f0e8b31")
_NAMESPACE_BYTES = NAMESPACE.bytes


def escalation_id(source: str, external_id: str | None) -> str:
    """Return the id of an escalation: stable for a known external id, fresh otherwise."""
    if external_id is None:
        return str(uuid.uuid4())
    digest = hashlib.sha1(_NAMESPACE_BYTES + f"{source}\x1f{external_id}".encode())  # noqa: S324  # UUIDv5 is defined on SHA-1; an id, not a secret
    return _formatted(digest.digest()[:16], version=5)


def fresh_id() -> str:
    """Return a random (version 4) UUID string, as ``str(uuid.uuid4())``."""
    return _formatted(os.urandom(16), version=4)


def _formatted(raw: bytes, version: int) -> str:
    """Return 16 bytes as a UUID string of ``version`` (RFC 4122 variant)."""
    octets = bytearray(raw)
    octets[6] = (octets[6] & 0x0F) | (version << 4)
    octets[8] = (octets[8] & 0x3F) | 0x80
    text = octets.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

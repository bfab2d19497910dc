"""Escalation ids: derived from (source, external_id) so repeats land on the same key.

Both ids of every create are written here as ``uuid`` would write them, without building
``UUID`` objects (a test holds the strings equal to ``str(uuid.uuid5(...))``).
"""

from __future__ import annotations

import hashlib
import uuid

from escalations.contracts.envelope import uuid_text

# Fixed namespace for this product; changing it would split every existing escalation.
NAMESPACE = uuid.UUID("6f1c1d2e-3b5a-5e0f-9a47-2c6d1f0e8b31")
_NAMESPACE_BYTES = NAMESPACE.bytes


def escalation_id(source: str, external_id: str | None) -> str:
    """Return the id of an escalation: stable for a known external id, fresh otherwise."""
    if external_id is None:
        return str(uuid.uuid4())
    digest = hashlib.sha1(_NAMESPACE_BYTES + f"{source}\x1f{external_id}".encode())  # noqa: S324  # UUIDv5 is defined on SHA-1; an id, not a secret
    return uuid_text(digest.digest()[:16], version=5)

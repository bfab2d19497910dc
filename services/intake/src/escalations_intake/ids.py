"""Escalation ids: derived from (source, external_id) so repeats land on the same key."""

from __future__ import annotations

import uuid

# Fixed namespace for this product; changing it would split every existing escalation.
NAMESPACE = uuid.UUID("6f1c1d2e-3b5a-5e0f-9a47-2c6d1f0e8b31")


def escalation_id(source: str, external_id: str | None) -> str:
    """Return the id of an escalation: stable for a known external id, fresh otherwise."""
    if external_id is None:
        return str(uuid.uuid4())
    return str(uuid.uuid5(NAMESPACE, f"{source}\x1f{external_id}"))

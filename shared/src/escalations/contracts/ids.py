"""Escalation ids, shared by the intake (which answers them) and the router (which stores them).

The id of the n-th incarnation of ``(source, external_id)`` is a UUIDv5 of the pair and n,
so every intake and router derives the same one without asking anyone: repeats land on the
same Kafka key and row, and concurrent re-fires after a resolve converge on one new id
(docs/refires-and-retries.md, "Re-fires"). Generation 0 leaves n out: ids stored before re-fires
existed stay valid. Later generations use a namespace of their own, so no external id
(which may hold the separator) can name another key's later generation. Written as
``uuid`` would write them, without building ``UUID`` objects (a test holds the strings
equal to ``str(uuid.uuid5(...))``).
"""

from __future__ import annotations

import hashlib
import uuid

from escalations.contracts.fast import uuid_text

# Fixed namespace for this product; changing it would split every existing escalation.
NAMESPACE = uuid.UUID("6f1c1d2e-3b5a-5e0f-9a47-2c6d1f0e8b31")
_NAMESPACE_BYTES = NAMESPACE.bytes
# Of generations 1 and later; derived from the one above, fixed as well.
GENERATIONS = uuid.uuid5(NAMESPACE, "generations")
_GENERATIONS_BYTES = GENERATIONS.bytes
# Of reports without an external id (one per source, body and retry window); fixed as well.
KEYLESS = uuid.uuid5(NAMESPACE, "keyless")
_KEYLESS_BYTES = KEYLESS.bytes


def escalation_id(source: str, external_id: str | None, generation: int = 0) -> str:
    """Return the id of an escalation: stable per key and generation, fresh without a key."""
    if external_id is None:
        return str(uuid.uuid4())
    if generation:
        name, space = f"{source}\x1f{external_id}\x1f{generation}", _GENERATIONS_BYTES
    else:
        name, space = f"{source}\x1f{external_id}", _NAMESPACE_BYTES
    digest = hashlib.sha1(space + name.encode())  # noqa: S324  # UUIDv5 is defined on SHA-1; an id, not a secret
    return uuid_text(digest.digest()[:16], version=5)


def report_fingerprint(source: str, request_json: str) -> str:
    """Return the fingerprint of a report: SHA-256 of its source and its request as validated.

    ``request_json`` is the validated body dumped by its model (fixed field order and
    normalised values), so the JSON key order or spacing a client used does not matter.
    """
    return hashlib.sha256(f"{source}\x1f{request_json}".encode()).hexdigest()


def keyless_id(source: str, fingerprint: str, window: int) -> str:
    """Return the id of a report without an external id: stable per body and retry window.

    ``window`` is the index of the retry window the report arrived in (its instant in
    seconds divided by the window's length), so a retry of the same body in the same
    window lands on the same escalation (docs/refires-and-retries.md, "Retried reports").
    """
    name = f"{source}\x1f{fingerprint}\x1f{window}"
    digest = hashlib.sha1(_KEYLESS_BYTES + name.encode())  # noqa: S324  # UUIDv5, an id
    return uuid_text(digest.digest()[:16], version=5)

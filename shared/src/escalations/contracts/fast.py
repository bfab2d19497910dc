"""Hand-written writers of the contracts, for the services' hot paths.

Each writes what the plain code writes (``Envelope`` dumped by pydantic, ``str(uuid.UUID)``)
without building the models or objects on the way: the router and the intake write an
envelope and an id for every escalation. ``tests/unit/contracts/test_fast.py`` holds each
equal to the plain code with property tests; change both together.
"""

from __future__ import annotations

import os
from typing import Any

from escalations.contracts.envelope import schema_uri


def raw_envelope(
    event_type: str, *, event_id: str, source: str, subject: str, time: object, data: object
) -> dict[str, Any]:
    """Return the JSON object ``encode`` writes for an envelope, without building the model.

    For hot paths whose values are already valid: ``time`` and ``data`` are whatever the
    caller's JSON writer turns into what pydantic would write (a JSON string, a datetime
    under ``orjson.OPT_UTC_Z``, a dict or an ``orjson.Fragment``).
    """
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": source,
        "type": event_type,
        "subject": subject,
        "time": time,
        "datacontenttype": "application/json",
        "dataschema": schema_uri(event_type),
        "data": data,
    }


def new_event_id() -> str:
    """Return a fresh, unique event id: a random (version 4) UUID, as ``str(uuid.uuid4())``."""
    return uuid_text(os.urandom(16), version=4)


def uuid_text(raw: bytes, version: int) -> str:
    """Return 16 bytes as a UUID string of ``version`` (RFC 4122 variant), as ``uuid`` would.

    Without building ``UUID`` objects: half the cost, on every event the services write.
    """
    octets = bytearray(raw)
    octets[6] = (octets[6] & 0x0F) | (version << 4)
    octets[8] = (octets[8] & 0x3F) | 0x80
    text = octets.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

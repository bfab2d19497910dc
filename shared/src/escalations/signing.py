"""Outbound webhook signatures: ``X-Escalation-Signature: t=<unix>,v1=<hex>``.

``v1`` is the hex HMAC-SHA256, keyed with the shared secret, of the ASCII timestamp, a
full stop, and the exact request body bytes. Receivers recompute it, compare in constant
time, and reject timestamps older than a few minutes to stop replays.
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "X-Escalation-Signature"
DEFAULT_TOLERANCE_S = 300


def sign(secret: bytes, body: bytes, timestamp: int) -> str:
    """Return the signature header value for a body sent at ``timestamp``."""
    digest = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(
    secret: bytes, body: bytes, header: str, now: int, tolerance: int = DEFAULT_TOLERANCE_S
) -> bool:
    """Return whether a header is a valid, fresh signature of the body."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
        given = fields["v1"]
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, given)

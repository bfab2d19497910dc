"""Signed, expiring acknowledge links: the notifier puts them in messages, the intake honours them.

A token is ``<escalation id>.<person id>.<expiry unix>.<hex HMAC-SHA256>`` in URL-safe base64,
signed with ``ESCALATIONS_LINK_SECRET``. It proves that this person was sent this
escalation and may acknowledge it until the expiry; it grants nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

ACK_PATH = "/v1/ack/"


class LinkError(ValueError):
    """A token that is malformed, forged or expired; the message says which."""


@dataclass(frozen=True)
class AckClaim:
    """What a valid token allows: ``person`` may acknowledge ``escalation_id``."""

    escalation_id: str
    person: str
    expires_at: datetime


def _mac(secret: bytes, body: str) -> str:
    return hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()


def make_ack_token(secret: bytes, escalation_id: str, person: str, expires_at: datetime) -> str:
    """Return a token letting ``person`` acknowledge ``escalation_id`` until ``expires_at``."""
    for name, value in (("escalation_id", escalation_id), ("person", person)):
        if "." in value or not value:
            raise ValueError(f"{name} must be non-empty and contain no '.': {value!r}")
    body = f"{escalation_id}.{person}.{int(expires_at.timestamp())}"
    raw = f"{body}.{_mac(secret, body)}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def ack_url(public_url: str, token: str) -> str:
    """Return the full acknowledge link for a token."""
    return f"{public_url.rstrip('/')}{ACK_PATH}{token}"


def verify_ack_token(secret: bytes, token: str, now: datetime) -> AckClaim:
    """Return the claim of a valid, unexpired token, or raise ``LinkError`` saying why not."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        escalation_id, person, expiry, mac = raw.split(".")
        expires_at = datetime.fromtimestamp(int(expiry), UTC)
    except (ValueError, UnicodeDecodeError) as exc:
        raise LinkError("malformed acknowledge link") from exc
    if not hmac.compare_digest(_mac(secret, f"{escalation_id}.{person}.{expiry}"), mac):
        raise LinkError("acknowledge link signature does not match")
    if now >= expires_at:
        raise LinkError(f"acknowledge link expired at {expires_at.isoformat()}")
    return AckClaim(escalation_id, person, expires_at)

"""Signed, expiring acknowledge links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalations.links import AckClaim, LinkError, ack_url, make_ack_token, verify_ack_token

SECRET = b"link-secret-0123456789"
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=4)
ident = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=40)


@given(ident, ident)
def test_token_round_trips(escalation_id: str, person: str) -> None:
    """A fresh token verifies to exactly the escalation, person and expiry it was made for."""
    token = make_ack_token(SECRET, escalation_id, person, LATER)
    assert AckClaim(escalation_id, person, LATER) == verify_ack_token(SECRET, token, NOW)


@pytest.mark.parametrize(
    ("token", "now", "message"),
    [
        ("not-base64!!", NOW, "malformed"),
        (make_ack_token(SECRET, "e1", "aoife", LATER), LATER, "expired"),
        (make_ack_token(b"another-secret-000000", "e1", "aoife", LATER), NOW, "signature"),
    ],
)
def test_bad_tokens_say_why(token: str, now: datetime, message: str) -> None:
    """Malformed, expired and forged tokens are refused with the reason."""
    with pytest.raises(LinkError, match=message):
        verify_ack_token(SECRET, token, now)


def test_tampered_person_is_refused() -> None:
    """Changing the person inside a token breaks its signature."""
    import base64

    token = make_ack_token(SECRET, "e1", "aoife", LATER)
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    forged = base64.urlsafe_b64encode(raw.replace("aoife", "niamh").encode()).decode()
    with pytest.raises(LinkError, match="signature"):
        verify_ack_token(SECRET, forged.rstrip("="), NOW)


def test_ack_url_joins_base_and_path() -> None:
    """The link is the public base URL, /v1/ack/, and the token."""
    assert ack_url("https://esc.example.com/", "abc") == "https://esc.example.com/v1/ack/abc"


def test_ids_with_dots_are_refused() -> None:
    """A dot would make the token ambiguous, so it is refused when making one."""
    with pytest.raises(ValueError, match="person"):
        make_ack_token(SECRET, "e1", "a.b", LATER)

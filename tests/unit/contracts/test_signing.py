"""Outbound webhook signatures."""

from __future__ import annotations

import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from escalations.signing import sign, verify

SECRET = b"0123456789abcdef0123"


def test_signature_format_is_timestamp_and_hex_hmac() -> None:
    """The header is t=<unix>,v1=<hex HMAC-SHA256 of 't.' + body>."""
    body = b'{"a":1}'
    expected = hmac.new(SECRET, b"1700000000." + body, hashlib.sha256).hexdigest()
    assert f"t=1700000000,v1={expected}" == sign(SECRET, body, 1700000000)


@given(st.binary(max_size=512), st.integers(min_value=1, max_value=2**33))
def test_signed_bodies_verify(body: bytes, timestamp: int) -> None:
    """Any body signed now verifies now."""
    assert verify(SECRET, body, sign(SECRET, body, timestamp), timestamp)


def test_tampered_body_fails() -> None:
    """Changing one byte of the body invalidates the signature."""
    header = sign(SECRET, b"hello", 100)
    assert not verify(SECRET, b"hellp", header, 100)


def test_stale_signature_fails() -> None:
    """A signature older than the tolerance is refused (replay protection)."""
    header = sign(SECRET, b"x", 100)
    assert not verify(SECRET, b"x", header, 100 + 301)


def test_wrong_secret_and_garbage_fail() -> None:
    """Other keys and malformed headers never verify."""
    header = sign(SECRET, b"x", 100)
    assert not verify(b"another-secret-key!!", b"x", header, 100)
    assert not verify(SECRET, b"x", "v1=abc", 100)
    assert not verify(SECRET, b"x", "", 100)

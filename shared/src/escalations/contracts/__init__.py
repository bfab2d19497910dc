"""Versioned event contracts (CloudEvents 1.0 envelope) shared by every service."""

from escalations.contracts.codec import build_event, parse_payload
from escalations.contracts.envelope import Envelope, EnvelopeError, decode, encode

__all__ = ["Envelope", "EnvelopeError", "build_event", "decode", "encode", "parse_payload"]

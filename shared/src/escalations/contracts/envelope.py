"""CloudEvents 1.0 structured-mode envelope for every event on every topic.

The Kafka record key is the escalation id (the partition key), and consumers are
idempotent on the envelope ``id``. ``dataschema`` names the versioned payload schema.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

SCHEMA_PREFIX = "urn:escalations:schema:"
SCHEMA_VERSION = 1


class EnvelopeError(ValueError):
    """A record that is not a valid event envelope of a known type and version."""


class Envelope(BaseModel):
    """One event in CloudEvents 1.0 structured JSON form."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(min_length=1, max_length=100)
    source: str = Field(min_length=1, max_length=200)
    type: str = Field(min_length=1, max_length=100)
    subject: str = Field(
        min_length=1,
        max_length=100,
        description="The escalation id (for schedule commands: the team or person id)",
    )
    time: datetime
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str
    data: dict[str, Any]

    @property
    def key(self) -> bytes:
        """Return the Kafka record key: the escalation id."""
        return self.subject.encode()


def schema_uri(event_type: str, version: int = SCHEMA_VERSION) -> str:
    """Return the ``dataschema`` URI of an event type at a version."""
    return f"{SCHEMA_PREFIX}{event_type}:v{version}"


def encode(envelope: Envelope) -> bytes:
    """Serialise an envelope to the JSON bytes written to Kafka."""
    return orjson.dumps(envelope.model_dump(mode="json"))


def decode(raw: bytes | None) -> Envelope:
    """Parse Kafka record bytes into an envelope, or raise ``EnvelopeError`` saying why."""
    if raw is None:
        raise EnvelopeError("record has no value (tombstone)")
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise EnvelopeError(f"record is not JSON: {exc}") from exc
    try:
        return Envelope.model_validate(obj)
    except ValidationError as exc:
        raise EnvelopeError(f"record is not a CloudEvents 1.0 envelope: {exc}") from exc

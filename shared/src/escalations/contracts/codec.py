"""Build envelopes from payload models, and parse payloads back with version checks."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from escalations.contracts.envelope import SCHEMA_VERSION, Envelope, EnvelopeError, schema_uri
from escalations.contracts.fast import new_event_id
from escalations.contracts.registry import EVENT_TYPE_OF, EVENT_TYPES

P = TypeVar("P", bound=BaseModel)


def build_event(
    payload: BaseModel,
    *,
    subject: str,
    source: str,
    time: datetime,
    event_id: str | None = None,
) -> Envelope:
    """Wrap a payload model in an envelope of its registered type."""
    event_type = EVENT_TYPE_OF[type(payload)]
    return Envelope(
        id=event_id or new_event_id(),
        source=source,
        type=event_type,
        subject=subject,
        time=time,
        dataschema=schema_uri(event_type),
        data=payload.model_dump(mode="json", exclude_none=False),
    )


def topic_of(envelope: Envelope) -> str:
    """Return the topic an envelope belongs on."""
    try:
        return EVENT_TYPES[envelope.type][0]
    except KeyError as exc:
        raise EnvelopeError(f"unknown event type {envelope.type!r}") from exc


def parse_payload(envelope: Envelope) -> BaseModel:
    """Return the typed payload of an envelope, or raise ``EnvelopeError`` naming the problem."""
    try:
        _, model = EVENT_TYPES[envelope.type]
    except KeyError as exc:
        raise EnvelopeError(f"unknown event type {envelope.type!r}") from exc
    expected = schema_uri(envelope.type, SCHEMA_VERSION)
    if envelope.dataschema != expected:
        raise EnvelopeError(
            f"unsupported schema {envelope.dataschema!r} for {envelope.type}; expected {expected!r}"
        )
    try:
        return model.model_validate(envelope.data)
    except ValidationError as exc:
        raise EnvelopeError(f"invalid {envelope.type} payload: {exc}") from exc


def payload_as(envelope: Envelope, model: type[P]) -> P:
    """Parse the payload and check it is of the expected model."""
    payload = parse_payload(envelope)
    if not isinstance(payload, model):
        raise EnvelopeError(f"expected {model.__name__}, got {type(payload).__name__}")
    return payload

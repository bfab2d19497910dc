"""Decode a fetched batch, and name what it touches.

Records that do not decode are poison: they go to the dead-letter topic (``dead_letters``),
keyed by ``dead_letter_id``. ``Touched`` is what a batch shares with the batch before it,
which decides whether the two may overlap (``overlap``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from escalations.contracts.codec import parse_payload
from escalations.contracts.envelope import Envelope, EnvelopeError, decode
from escalations.contracts.events import EscalationReceived
from escalations.kafka import KafkaRecord
from escalations_router.domain import refire, schedule

Record = KafkaRecord
SCHEDULE_COMMANDS = schedule.SCHEDULE_COMMANDS


@dataclass(frozen=True)
class Parsed:
    """A decoded input event."""

    record: Record
    envelope: Envelope
    payload: BaseModel


def parse(records: Sequence[Record]) -> tuple[list[Parsed], list[tuple[Record, str]]]:
    """Decode records; return the decoded events and the poison with its error."""
    parsed, poison = [], []
    for record in records:
        try:
            envelope = decode(record.value)
            parsed.append(Parsed(record, envelope, parse_payload(envelope)))
        except EnvelopeError as exc:
            poison.append((record, str(exc)))
    return parsed, poison


def dead_letter_id(record: Record) -> str:
    """Return the stable id of a record's dead letter (its processed-event key too)."""
    return f"dead:{record.topic}:{record.partition}:{record.offset}"


def received(parsed: Sequence[Parsed]) -> list[tuple[str, EscalationReceived]]:
    """Return the reports of a batch with the escalation each is addressed to."""
    return [
        (p.envelope.subject, p.payload) for p in parsed if isinstance(p.payload, EscalationReceived)
    ]


@dataclass(frozen=True)
class Touched:
    """What a batch reads and writes that the next batch may share."""

    subjects: frozenset[str]
    events: frozenset[str]
    scheduling: bool

    @classmethod
    def of(cls, parsed: Sequence[Parsed]) -> Touched:
        """Return what these decoded events touch."""
        # A re-fire also writes the escalation it follows (``refire``).
        follows = refire.linked(received(parsed))
        return cls(
            frozenset(p.envelope.subject for p in parsed) | follows,
            frozenset(p.envelope.id for p in parsed),
            any(isinstance(p.payload, SCHEDULE_COMMANDS) for p in parsed),
        )

    def apart_from(self, other: Touched) -> bool:
        """Whether a batch touching this may be applied before ``other`` commits."""
        return not (
            self.scheduling
            or other.scheduling
            or self.subjects & other.subjects
            or self.events & other.events
        )

"""Dead letters of the router: what one says, and the record that replays it.

The router parks what it cannot apply in ``escalations.deadletter.v1``
(``batch.dead_letters.park``): the original record's bytes in base64, where it came from,
and why. A replay publishes the original event to the intake topic again, under its
original key. Applying it at most once rests on two things (docs/operations.md,
"Dead-letter replay"):

* the operator command records each replay (``router_deadletter_replays``) and refuses a
  second one of the same dead letter;
* the replayed event's id is derived from the dead letter (``replay_event_id``), so should
  the same dead letter be published twice anyway (the command died between publishing and
  recording), the router's processed-event records drop the second copy.

A parked *decoded* event was recorded as processed under its own id when it was parked, so
its replay must carry a new id, and that is the derived one. An *undecodable* record (an
unknown schema version, say) never got a processed record: it is published byte for byte,
and its own id then plays that part.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from escalations.contracts.topics import INTAKE

# Fixed for ever: replay ids must come out the same in every release.
REPLAY_NAMESPACE = uuid.UUID("6b1c59f4-0d3e-4d8e-9a55-2f7f0c7e5d21")
UNDECODABLE = "undecodable"


class DeadLetterError(ValueError):
    """A record of the dead-letter topic that is not a router dead letter."""


class NotReplayable(ValueError):
    """A dead letter whose original record cannot be published again as it is."""


@dataclass(frozen=True)
class DeadLetter:
    """One record of the dead-letter topic, decoded."""

    partition: int
    offset: int
    parked_at: datetime
    reason: str
    error: str
    topic: str
    source_partition: int
    source_offset: int
    key: str | None
    value: bytes

    @property
    def id(self) -> str:
        """Return the dead letter's own id (the router's ``batch.dead_letter_id``)."""
        return f"dead:{self.topic}:{self.source_partition}:{self.source_offset}"

    @property
    def original(self) -> dict[str, Any] | None:
        """Return the original record as a JSON object, or None if it is not one."""
        try:
            found = orjson.loads(self.value)
        except orjson.JSONDecodeError:
            return None
        return found if isinstance(found, dict) else None

    @property
    def event_type(self) -> str | None:
        """Return the original event's type, when it has one."""
        found = (self.original or {}).get("type")
        return found if isinstance(found, str) else None

    @property
    def event_id(self) -> str | None:
        """Return the original event's id, when it has one."""
        found = (self.original or {}).get("id")
        return found if isinstance(found, str) else None


def parse(partition: int, offset: int, timestamp_ms: int, value: bytes | None) -> DeadLetter:
    """Decode one dead-letter record; raise ``DeadLetterError`` naming what is wrong."""
    try:
        body = orjson.loads(value or b"")
    except orjson.JSONDecodeError as error:
        raise DeadLetterError(f"offset {offset}: not JSON ({error})") from None
    if not isinstance(body, dict):
        raise DeadLetterError(f"offset {offset}: not a JSON object")
    try:
        original = base64.b64decode(body["value_base64"], validate=True)
        return DeadLetter(
            partition=partition,
            offset=offset,
            parked_at=datetime.fromtimestamp(timestamp_ms / 1000, UTC),
            reason=_text(body, "reason"),
            error=_text(body, "error"),
            topic=_text(body, "topic"),
            source_partition=_number(body, "partition"),
            source_offset=_number(body, "offset"),
            key=body.get("key") if isinstance(body.get("key"), str) else None,
            value=original,
        )
    except (KeyError, TypeError, binascii.Error) as error:
        raise DeadLetterError(f"offset {offset}: not a router dead letter ({error!r})") from None


def _text(body: dict[str, Any], name: str) -> str:
    value = body[name]
    if not isinstance(value, str):
        raise TypeError(f"{name} is not text")
    return value


def _number(body: dict[str, Any], name: str) -> int:
    value = body[name]
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} is not a number")
    return value


def replay_event_id(letter: DeadLetter) -> str:
    """Return the event id a replay of this dead letter carries: the same on every replay."""
    if letter.reason == UNDECODABLE:
        # Never recorded as processed under its own id: keep it (see the module docstring).
        return _own_id(letter)
    return str(uuid.uuid5(REPLAY_NAMESPACE, letter.id))


def replay_value(letter: DeadLetter) -> bytes:
    """Return the bytes to publish to replay ``letter``; raise ``NotReplayable`` if none."""
    if letter.topic != INTAKE:
        raise NotReplayable(f"it came from {letter.topic}, which the router does not read")
    if letter.key is None:
        raise NotReplayable("the original record has no key, so no escalation to route it to")
    if letter.reason == UNDECODABLE:
        _own_id(letter)
        return letter.value
    original = letter.original
    if original is None:  # a decoded event is JSON: the record was tampered with
        raise NotReplayable("the original record is not a JSON object")
    return orjson.dumps({**original, "id": replay_event_id(letter)})


def _own_id(letter: DeadLetter) -> str:
    found = letter.event_id
    if not found:
        raise NotReplayable(
            "the original record is not an event with an id; have its producer send it again"
        )
    return found

"""Dead letters: decoding what the router parks, the replay's id and bytes, the listing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import orjson
import pytest

from escalations.contracts.codec import build_event
from escalations.contracts.envelope import encode
from escalations.contracts.events import AcknowledgeRequested
from escalations.contracts.topics import EVENTS, INTAKE
from escalations_router.batch import dead_letter
from escalations_router.ops.letters import (
    DeadLetter,
    DeadLetterError,
    NotReplayable,
    parse,
    replay_event_id,
    replay_value,
)
from escalations_router.ops.listing import as_json, render
from tests.integration.router_records import Record

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
ESC = "5f0c7a52-3c51-4d3e-9b1e-4d7c2a1f6e90"


def _command() -> bytes:
    payload = AcknowledgeRequested(escalation_id=ESC, by="aoife", source="tests", requested_at=NOW)
    return encode(build_event(payload, subject=ESC, source="/intake", time=NOW, event_id="ev-1"))


def letter(
    value: bytes | None = None, reason: str = "unknown_escalation", *, offset: int = 41,
    topic: str = INTAKE, key: bytes | None = ESC.encode(), error: str = f"no escalation {ESC}",
) -> DeadLetter:  # fmt: skip
    """Return a dead letter as the router writes it (``batch.dead_letter``), decoded."""
    record = Record(topic, 3, offset, key or b"", _command() if value is None else value)
    body = dead_letter(record, reason, error)
    if key is None:
        body["key"] = None
    return parse(0, 7, int(NOW.timestamp() * 1000), orjson.dumps(body))


def test_a_dead_letter_says_where_it_came_from_and_why() -> None:
    """The decoded dead letter has the error, the original event and the router's own id."""
    found = letter()
    assert (7, NOW, "unknown_escalation", f"no escalation {ESC}") == (
        found.offset, found.parked_at, found.reason, found.error,
    )  # fmt: skip
    assert (ESC, "escalation.acknowledge_requested", "ev-1") == (
        found.key, found.event_type, found.event_id,
    )  # fmt: skip
    assert f"dead:{INTAKE}:3:41" == found.id


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (b"not json", "offset 7: not JSON"),
        (b"[1, 2]", "offset 7: not a JSON object"),
        (b'{"reason": "x"}', "offset 7: not a router dead letter (KeyError('value_base64'))"),
        (
            b'{"reason": 1, "error": "e", "topic": "t", "partition": 0, "offset": 1,'
            b' "value_base64": ""}',
            "offset 7: not a router dead letter (TypeError('reason is not text'))",
        ),
        (b'{"value_base64": "%%%"}', "offset 7: not a router dead letter"),
    ],
)
def test_a_record_that_is_not_a_dead_letter_is_refused_by_offset(value: bytes, says: str) -> None:
    """Anything else on the topic is named by its offset, with what is wrong."""
    with pytest.raises(DeadLetterError) as caught:
        parse(0, 7, 0, value)
    assert str(caught.value).startswith(says)


def test_a_replay_carries_an_id_of_its_own_the_same_every_time() -> None:
    """The replay id is derived from the dead letter: stable, and unlike the parked event's."""
    first, again, other = letter(), letter(), letter(offset=42)
    assert replay_event_id(first) == replay_event_id(again)
    assert replay_event_id(first) != replay_event_id(other)
    assert replay_event_id(first) != first.event_id
    assert 5 == uuid.UUID(replay_event_id(first)).version


def test_a_replayed_event_is_the_original_with_the_replay_id() -> None:
    """Only the id changes: type, subject, time and data are the original's."""
    found = letter()
    original, replayed = orjson.loads(_command()), orjson.loads(replay_value(found))
    assert {**original, "id": replay_event_id(found)} == replayed


def test_an_undecodable_record_is_replayed_byte_for_byte_under_its_own_id() -> None:
    """A record the router could not decode was never recorded as processed: keep its id."""
    unknown = orjson.dumps({**orjson.loads(_command()), "dataschema": "urn:x:v9"})
    found = letter(unknown, "undecodable")
    assert (unknown, "ev-1") == (replay_value(found), replay_event_id(found))


@pytest.mark.parametrize(
    ("found", "says"),
    [
        (letter(b"\x00garbage", "undecodable"), "not an event with an id"),
        (letter(b'{"no": "id"}', "undecodable"), "not an event with an id"),
        (letter(b"garbage"), "not a JSON object"),
        (letter(topic=EVENTS), f"it came from {EVENTS}, which the router does not read"),
        (letter(key=None), "has no key"),
    ],
)
def test_what_cannot_be_published_again_is_refused_with_the_reason(
    found: DeadLetter, says: str
) -> None:
    """Garbage, an event without an id, another topic or no key: refused, nothing sent."""
    with pytest.raises(NotReplayable) as caught:
        replay_value(found)
    assert says in str(caught.value)


def test_the_listing_escapes_and_cuts_what_a_record_says() -> None:
    """Terminal escapes and markup in an error or a key come out inert; long errors are cut."""
    hostile = "\x1b[2J<script>alert(1)</script>\u202e" + "e" * 5_000
    found = letter(error=hostile, key=b"\x1b]0;title\x07")
    done = {(0, 7): {"replayed_at": NOW, "replay_event_id": "r-1"}}
    text = render([found], done)
    assert "\x1b" not in text
    assert "\u202e" not in text
    assert "\\x1b[2J<script>alert(1)</script>\\u202e" in text
    assert "replayed 2026-12-07T09:00:00Z" in text
    assert len(text.splitlines()[1]) < 600
    (line,) = as_json([found], done).splitlines()
    assert (hostile, "r-1") == (orjson.loads(line)["error"], orjson.loads(line)["replay_event_id"])

"""The hand-written writers of ``escalations.contracts.fast`` write what the plain code writes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import orjson
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from escalations.contracts.envelope import Envelope, encode, schema_uri
from escalations.contracts.fast import new_event_id, raw_envelope, uuid_text
from escalations.contracts.registry import EVENT_TYPES

_TIME: TypeAdapter[datetime] = TypeAdapter(datetime)
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=100)
TIMES = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


@given(st.binary(min_size=16, max_size=16), st.sampled_from([4, 5]))
def test_uuid_text_is_the_uuid_modules_string(raw: bytes, version: int) -> None:
    """Any 16 bytes of either version are written as ``str(uuid.UUID(...))`` writes them."""
    assert str(uuid.UUID(bytes=raw, version=version)) == uuid_text(raw, version)


def test_new_event_ids_are_random_uuids() -> None:
    """A new event id parses as a version 4 UUID of the RFC 4122 variant, written as uuid does."""
    event_id = new_event_id()
    parsed = uuid.UUID(event_id)
    assert (4, uuid.RFC_4122, event_id) == (parsed.version, parsed.variant, str(parsed))


@given(
    event_type=st.sampled_from(sorted(EVENT_TYPES)),
    event_id=TEXT,
    source=TEXT,
    subject=TEXT,
    time=TIMES,
    data=st.dictionaries(st.text(max_size=12), JSON, max_size=6),
)
def test_raw_envelope_writes_the_envelope_model(
    event_type: str,
    event_id: str,
    source: str,
    subject: str,
    time: datetime,
    data: dict[str, object],
) -> None:
    """The raw envelope, its time as a datetime or as JSON text, is what ``encode`` writes."""
    model = Envelope(
        id=event_id,
        source=source,
        type=event_type,
        subject=subject,
        time=time,
        dataschema=schema_uri(event_type),
        data=data,
    )
    ids = {"event_id": event_id, "source": source, "subject": subject}
    raw = raw_envelope(event_type, time=time, data=data, **ids)
    assert encode(model) == orjson.dumps(raw, option=orjson.OPT_UTC_Z)
    # As the router writes a batch's time: the string pydantic writes, made once.
    written = _TIME.dump_python(time, mode="json")
    assert encode(model) == orjson.dumps(raw_envelope(event_type, time=written, data=data, **ids))

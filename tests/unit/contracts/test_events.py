"""Golden samples and envelope rules for every event type."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from escalations.contracts import samples as samples_pkg
from escalations.contracts.codec import build_event, parse_payload, topic_of
from escalations.contracts.envelope import Envelope, EnvelopeError, decode, encode
from escalations.contracts.registry import EVENT_TYPES
from escalations.contracts.topics import EVENTS, INTAKE, TOPICS

SAMPLES = Path(samples_pkg.__file__).parent


def _sample(event_type: str) -> bytes:
    return (SAMPLES / f"{event_type}.json").read_bytes()


def test_every_event_type_has_a_golden_sample() -> None:
    """Each registered type has exactly one sample file, and no sample is orphaned."""
    assert set(EVENT_TYPES) == {p.stem for p in SAMPLES.glob("*.json")}


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_golden_sample_round_trips(event_type: str) -> None:
    """A sample decodes, its payload validates, and re-encoding gives the same JSON."""
    raw = _sample(event_type)
    envelope = decode(raw)
    payload = parse_payload(envelope)
    rebuilt = build_event(
        payload, subject=envelope.subject, source=envelope.source, time=envelope.time,
        event_id=envelope.id,
    )  # fmt: skip
    assert orjson.loads(raw) == orjson.loads(encode(rebuilt))
    assert envelope.type == event_type


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_topic_follows_producer(event_type: str) -> None:
    """Commands and receipts go to the intake topic, router events to the events topic."""
    expected = (
        INTAKE if event_type.endswith("_requested") or event_type.endswith("received") else EVENTS
    )
    assert expected == topic_of(decode(_sample(event_type)))


def test_envelope_is_cloudevents_structured_mode() -> None:
    """Envelopes carry the CloudEvents 1.0 attributes and a versioned dataschema."""
    envelope = decode(_sample("escalation.assigned"))
    assert envelope.specversion == "1.0"
    assert envelope.datacontenttype == "application/json"
    assert envelope.dataschema == "urn:escalations:schema:escalation.assigned:v1"
    assert envelope.subject.encode() == envelope.key


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (None, "tombstone"),
        (b"{not json", "not JSON"),
        (b'{"id": "x"}', "not a CloudEvents 1.0 envelope"),
    ],
)
def test_decode_names_the_problem(raw: bytes | None, message: str) -> None:
    """Undecodable records raise EnvelopeError with a reason a person can act on."""
    with pytest.raises(EnvelopeError, match=message):
        decode(raw)


def test_unknown_schema_version_is_refused() -> None:
    """A payload of a future schema version is refused, not half-understood."""
    envelope = decode(_sample("escalation.received"))
    future = Envelope.model_validate(
        {**envelope.model_dump(), "dataschema": "urn:escalations:schema:escalation.received:v2"}
    )
    with pytest.raises(EnvelopeError, match="unsupported schema"):
        parse_payload(future)


def test_unknown_type_is_refused() -> None:
    """An unregistered event type is refused with its name."""
    envelope = decode(_sample("escalation.received"))
    odd = Envelope.model_validate({**envelope.model_dump(), "type": "escalation.teleported"})
    with pytest.raises(EnvelopeError, match=r"escalation\.teleported"):
        parse_payload(odd)


def test_payloads_reject_unknown_fields() -> None:
    """Payloads are strict: a producer typo fails at the edge instead of being dropped."""
    envelope = decode(_sample("escalation.acknowledge_requested"))
    data = {**envelope.data, "byy": "aoife"}
    with pytest.raises(EnvelopeError, match="byy"):
        parse_payload(Envelope.model_validate({**envelope.model_dump(), "data": data}))


def test_topics_have_explicit_partitions() -> None:
    """Every topic is declared with partitions and a retention setting."""
    assert {INTAKE, EVENTS} <= {t.name for t in TOPICS}
    for topic in TOPICS:
        assert topic.partitions >= 1
        assert "retention.ms" in topic.config

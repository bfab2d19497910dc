"""What the intake writes to Kafka: the received event's bytes and the partition of its key."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.partitioner import murmur2 as aiokafka_murmur2
from hypothesis import given
from hypothesis import strategies as st

from escalations.contracts.codec import build_event, topic_of
from escalations.contracts.envelope import encode
from escalations.contracts.events import EscalationReceived
from escalations.contracts.fast import new_event_id
from escalations.contracts.ids import NAMESPACE, escalation_id, report_fingerprint
from escalations.core.escalation import EscalationIn, SourceKind
from escalations.partitioner import murmur2, partition_of
from escalations_intake.auth.api_keys import Principal, Scope
from escalations_intake.commands.publish import Record
from escalations_intake.fast_paths import received_record

PRINCIPAL = Principal("legal", SourceKind.LEGAL, frozenset({Scope.WRITE}))
MINIMAL = {"title": "Hate speech pin", "policy_area": "hate_speech"}
FULL = {
    "external_id": "EXT-9",
    "title": "  Credible threat naming a school  ",
    "description": "Zoë posted a threat against a named school for Friday 9am",
    "policy_area": "violent_threat",
    "content_refs": [{"kind": "pin", "id": "111", "url": "HTTPS://Example.com/pin/111"}],
    "region": "IE",
    "language": "en-IE",
    "reach": {"impressions_24h": 120000, "followers": 5, "accounts_involved": 2},
    "signals": {"imminence": "likely", "minors": "suspected", "violation_likelihood": 1e-7},
    "regulatory": {"regime": "dsa_notice", "received_at": "2026-11-25T09:14:00+01:00"},
    "reporter": {"name": "Trusted flagger", "contact": "tf@example.com"},
    "occurred_at": "2026-11-25T08:00:00.5Z",
}


def _expected(body: EscalationIn, esc_id: str, now: datetime, event_id: str) -> Record:
    """Return the record as the envelope models build and encode it."""
    payload = EscalationReceived(
        escalation_id=esc_id,
        source=PRINCIPAL.source,
        source_kind=PRINCIPAL.source_kind,
        received_at=now,
        request=body,
        fingerprint=report_fingerprint(PRINCIPAL.source, body.model_dump_json()),
    )
    envelope = build_event(payload, subject=esc_id, source="/intake", time=now, event_id=event_id)
    return Record(topic_of(envelope), envelope.type, esc_id, event_id, encode(envelope))


@pytest.mark.parametrize(
    ("body", "now"),
    [
        (MINIMAL, datetime(2026, 11, 25, 9, 14, tzinfo=UTC)),
        (MINIMAL, datetime(2026, 11, 25, 9, 14, 0, 1000, tzinfo=UTC)),
        (FULL, datetime(2026, 11, 25, 9, 14, 3, 123456, tzinfo=UTC)),
        (FULL, datetime(2026, 11, 25, 9, 14, tzinfo=timezone(timedelta(hours=1)))),
    ],
)
def test_received_record_is_byte_for_byte_the_encoded_envelope(
    body: dict[str, Any], now: datetime
) -> None:
    """The direct encoding equals encode(build_event(EscalationReceived(...)))."""
    request, esc_id, event_id = EscalationIn.model_validate(body), str(uuid.uuid4()), "ev-1"
    expected = _expected(request, esc_id, now, event_id)
    assert expected == received_record(esc_id, PRINCIPAL, request, now, event_id)


@given(
    likelihood=st.floats(min_value=0.0, max_value=1.0),
    followers=st.integers(min_value=0, max_value=10**15),
    title=st.text(min_size=1, max_size=200).filter(lambda t: t.strip() and "\x00" not in t),
    moment=st.datetimes(timezones=st.just(UTC)),
)
def test_received_record_matches_for_any_values(
    likelihood: float, followers: int, title: str, moment: datetime
) -> None:
    """Floats, big counts, any text and any instant encode exactly as the models do."""
    request = EscalationIn.model_validate(
        {
            **MINIMAL,
            "title": title,
            "reach": {"followers": followers},
            "signals": {"violation_likelihood": likelihood},
        }
    )
    esc_id = str(uuid.uuid4())
    expected = _expected(request, esc_id, moment, "ev-2")
    assert expected == received_record(esc_id, PRINCIPAL, request, moment, "ev-2")


def test_a_record_without_an_event_id_gets_a_fresh_one() -> None:
    """Without an event id (no Idempotency-Key), every record has its own."""
    request, now = EscalationIn.model_validate(MINIMAL), datetime.now(UTC)
    first = received_record("e-1", PRINCIPAL, request, now)
    second = received_record("e-1", PRINCIPAL, request, now)
    assert first.event_id != second.event_id


@given(data=st.binary(max_size=120))
def test_murmur2_is_kafkas(data: bytes) -> None:
    """The word-at-a-time hash equals aiokafka's byte-at-a-time murmur2 for any bytes."""
    assert aiokafka_murmur2(data) == murmur2(data)


@given(key=st.binary(min_size=1, max_size=64), count=st.integers(min_value=1, max_value=64))
def test_keys_land_on_the_default_partitioners_partition(key: bytes, count: int) -> None:
    """Every key goes to the partition aiokafka's default partitioner would pick."""
    partitions = list(range(count))
    assert DefaultPartitioner()(key, partitions, partitions) == partition_of(
        key, partitions, partitions
    )


def test_records_without_a_key_spread_over_available_partitions() -> None:
    """A record without a key goes to an available partition (any partition if none is)."""
    picked = {partition_of(None, [0, 1, 2, 3], [1, 3]) for _ in range(200)}
    assert ({1, 3}, {2}) == (picked, {partition_of(None, [2], [])})


@given(source=st.text(max_size=40), external_id=st.text(min_size=1, max_size=200))
def test_escalation_ids_are_the_uuid5_of_source_and_external_id(
    source: str, external_id: str
) -> None:
    """The id is exactly str(uuid5(NAMESPACE, source + US + external_id)), for any text."""
    expected = str(uuid.uuid5(NAMESPACE, f"{source}\x1f{external_id}"))
    assert expected == escalation_id(source, external_id)


def test_fresh_ids_are_random_version_4_uuids() -> None:
    """Event ids parse as version 4 RFC 4122 UUIDs, print the same, and do not repeat."""
    ids = [new_event_id() for _ in range(1000)]
    parsed = [uuid.UUID(i) for i in ids]
    assert ({4}, {uuid.RFC_4122}, ids) == (
        {p.version for p in parsed},
        {p.variant for p in parsed},
        [str(p) for p in parsed],
    )
    assert 1000 == len(set(ids))

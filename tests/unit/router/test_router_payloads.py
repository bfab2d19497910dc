"""Payloads the router builds directly are exactly the event models' JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from escalations.contracts.events import EscalationAssigned, EscalationReceived
from escalations.core.config import loads_config
from escalations.core.escalation import EscalationIn, PolicyArea, Regime, SourceKind
from escalations_router.domain.core_decider import CoreDecider
from escalations_router.domain.duty import StoredSchedule
from escalations_router.domain.outcome import Payload
from escalations_router.domain.state import on_received
from escalations_router.domain.views import summary
from escalations_router.postgres.writes import Writes
from tests.e2e.router.configs import config

DECIDER = CoreDecider(loads_config(config()).config)
NOW = datetime(2026, 11, 25, 10, 0, 0, 123456, tzinfo=UTC)
ZONES = [UTC, timezone(timedelta(hours=-5)), ZoneInfo("Europe/Dublin"), ZoneInfo("Asia/Tokyo")]


def _storable(text: str) -> bool:
    """Return whether a request may carry ``text``: not blank, stripped, and without NUL."""
    return bool(text) and text.strip() == text and "\x00" not in text


requests = st.fixed_dictionaries(
    {
        "title": st.text(min_size=1, max_size=40).filter(_storable),
        "policy_area": st.sampled_from([area.value for area in PolicyArea]),
    },
    optional={
        "description": st.text(min_size=1, max_size=80).filter(_storable),
        "region": st.sampled_from(["IE", "DE", "US"]),
        "language": st.sampled_from(["en", "de", "pt-BR"]),
        "content_refs": st.lists(
            st.fixed_dictionaries(
                {
                    "kind": st.sampled_from(["pin", "user", "comment"]),
                    "id": st.text("0123", min_size=1),
                },
                optional={"url": st.just("https://example.com/x")},
            ),
            max_size=3,
        ),
        "signals": st.fixed_dictionaries({}, optional={"graphic": st.booleans()}),
        "regulatory": st.fixed_dictionaries(
            {"regime": st.sampled_from([r.value for r in Regime])},
        ),
    },
)


def _as_written(data: dict[str, Any]) -> Any:
    """Return a payload as the outbox writes it (``Writes.enqueue``), read back."""
    writes = Writes()
    writes.enqueue("topic", "key", "event-id", {"data": data}, NOW)
    return orjson.loads(writes.envelopes[0])["data"]


@settings(max_examples=150, deadline=None)
@given(
    request=requests,
    kind=st.sampled_from(SourceKind),
    zone=st.sampled_from(ZONES),
    micros=st.sampled_from([0, 1, 500_000]),
)
def test_assigned_payload_is_the_models_json(
    request: dict[str, Any], kind: SourceKind, zone: Any, micros: int
) -> None:
    """Any request, source and received time zone: the payload as written is the model's dump."""
    received = EscalationReceived(
        escalation_id="e-1",
        source="tests",
        source_kind=kind,
        received_at=(NOW - timedelta(minutes=3)).astimezone(zone).replace(microsecond=micros),
        request=EscalationIn.model_validate(request),
    )
    outcome = on_received(None, received, DECIDER.bind(StoredSchedule()), NOW)
    assert outcome.row is not None
    (payload,) = outcome.events
    assert isinstance(payload, Payload)
    model = EscalationAssigned(
        escalation=summary(outcome.row, received.request),
        owner=payload.data["owner"],
        team=payload.data["team"],
    )
    assert model.model_dump(mode="json") == _as_written(payload.data)

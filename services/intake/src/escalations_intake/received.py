"""The ``escalation.received`` record, encoded straight to JSON bytes.

Every create publishes one. Building it as ``Envelope(data=EscalationReceived(...)
.model_dump())`` validates and dumps values that are ours and already valid, twice; here the
envelope is written by orjson around the request's own JSON dump. The bytes are the same
as ``encode(build_event(EscalationReceived(...)))`` (a test holds them equal), so consumers
see no difference.
"""

from __future__ import annotations

from datetime import datetime

import orjson

from escalations.contracts.envelope import new_event_id, raw_envelope
from escalations.contracts.events import EscalationReceived
from escalations.contracts.ids import report_fingerprint
from escalations.contracts.registry import EVENT_TYPE_OF, EVENT_TYPES
from escalations.core.escalation import EscalationIn
from escalations_intake.auth import Principal
from escalations_intake.publisher import Record

EVENT_TYPE = EVENT_TYPE_OF[EscalationReceived]
TOPIC = EVENT_TYPES[EVENT_TYPE][0]
SOURCE = "/intake"
# pydantic writes an aware UTC datetime as ISO 8601 with "Z" and drops zero microseconds;
# orjson does the same with this option.
_OPTIONS = orjson.OPT_UTC_Z


def received_record(
    esc_id: str,
    principal: Principal,
    body: EscalationIn,
    now: datetime,
    event_id: str | None = None,
    follows: str | None = None,
    request_json: str | None = None,
) -> Record:
    """Return the record of an accepted escalation, keyed by its escalation id.

    ``follows``: the resolved escalation this report opens a new one after, if any.
    ``request_json``: ``body.model_dump_json()``, if the caller has it already. The record
    carries the report's fingerprint, by which the router knows a client's retry.
    """
    event_id = event_id or new_event_id()
    request_json = request_json or body.model_dump_json()
    data = {
        "escalation_id": esc_id,
        "source": principal.source,
        "source_kind": principal.source_kind.value,
        "received_at": now,
        "request": orjson.Fragment(request_json),
        "follows": follows,
        "fingerprint": report_fingerprint(principal.source, request_json),
    }
    envelope = raw_envelope(
        EVENT_TYPE, event_id=event_id, source=SOURCE, subject=esc_id, time=now, data=data
    )
    return Record(TOPIC, EVENT_TYPE, esc_id, event_id, orjson.dumps(envelope, option=_OPTIONS))

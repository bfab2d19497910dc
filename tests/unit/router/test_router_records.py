"""The router's records: the tables' columns exactly, and written as the adapter sends them."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC
from typing import Any

import orjson
from hypothesis import given
from hypothesis import strategies as st

from escalations.db.models import EscalationRow
from escalations.db.models_router import ClockRow
from escalations_router.domain.records import CLOCK_FIELDS, ESCALATION_FIELDS, Clock, Escalation
from escalations_router.postgres.db import as_json
from escalations_router.postgres.store import clocks_of, escalations_of

INTS = st.integers(-(2**31), 2**31 - 1)  # the tables' integer columns
JSON = st.dictionaries(st.text(max_size=5), INTS | st.text(max_size=5), max_size=3)
INSTANTS = st.datetimes(timezones=st.just(UTC))
ESCALATIONS = st.builds(
    Escalation,
    score=INTS,
    level=INTS,
    reports=INTS,
    version=INTS,
    generation=INTS,
    request=JSON,
    priority=JSON,
    assignment=st.none() | JSON,
    policy_snapshot=st.none() | JSON,
    report_fingerprints=st.none() | st.lists(st.lists(st.text(max_size=5), max_size=2)),
    received_at=INSTANTS,
    created_at=INSTANTS,
    updated_at=INSTANTS,
    acknowledge_by=st.none() | INSTANTS,
)
CLOCKS = st.builds(
    Clock,
    fired=INTS,
    progress=JSON,
    started_at=INSTANTS,
    updated_at=INSTANTS,
    due_at=st.none() | INSTANTS,
    acknowledge_seconds=st.floats(0, 1e6),
    resolve_seconds=st.floats(0, 1e6),
    warning_share=st.floats(0, 1),
)


def _columns(model: Any) -> set[str]:
    return {column.name for column in model.__table__.columns}


def test_records_hold_exactly_the_tables_columns() -> None:
    """Every column is read and written back: the records and the table models name the same."""
    assert (_columns(EscalationRow), _columns(ClockRow)) == (
        set(ESCALATION_FIELDS),
        set(CLOCK_FIELDS),
    )


@given(ESCALATIONS, CLOCKS)
def test_records_are_written_as_objects_of_their_fields(
    escalation: Escalation, clock: Clock
) -> None:
    """A record goes into the write statement as the JSON object of its fields, by name."""
    sent = orjson.loads(as_json([escalation, clock]))
    assert [orjson.loads(orjson.dumps(asdict(r))) for r in (escalation, clock)] == sent


@given(ESCALATIONS, CLOCKS)
def test_rows_in_column_order_build_the_same_records(escalation: Escalation, clock: Clock) -> None:
    """A row selected in the records' column order builds the record it came from."""
    escalation_row = tuple(getattr(escalation, name) for name in ESCALATION_FIELDS)
    clock_row = tuple(getattr(clock, name) for name in CLOCK_FIELDS)
    assert ([escalation], [clock]) == (escalations_of([escalation_row]), clocks_of([clock_row]))

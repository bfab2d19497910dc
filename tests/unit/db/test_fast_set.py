"""The rows' cheaper attribute writes (``escalations.db.fast``) leave what SQLModel's leave."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import inspect
from sqlmodel import Session, SQLModel

from escalations.db.models import EscalationRow

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
WRITES = st.lists(
    st.one_of(
        st.tuples(st.just("status"), st.sampled_from(["open", "acknowledged", "resolved"])),
        st.tuples(st.just("owner"), st.none() | st.sampled_from(["ana", "bo"])),
        st.tuples(st.just("level"), st.integers(1, 5)),
        st.tuples(st.just("reports"), st.integers(1, 1000)),
        st.tuples(st.just("assignment"), st.none() | st.just({"owner": "ana"})),
    ),
    max_size=8,
)


def _row() -> EscalationRow:
    return EscalationRow(
        id="e1", source="tests", source_kind="internal", status="open", title="t",
        policy_area="spam", tier="P2", score=40, request={}, priority={},
        received_at=AT, created_at=AT, updated_at=AT,
    )  # fmt: skip


def _seen(row: EscalationRow, tracked: bool) -> tuple[dict[str, Any], set[str], dict[str, Any]]:
    columns = {name: row.__dict__.get(name) for name in EscalationRow.model_fields}
    # What a session will write: a transient row's values are read at insert, a tracked
    # row's changes from its history.
    state = inspect(row)
    history = {name: tuple(map(tuple, state.attrs[name].history)) for name in columns}
    return columns, set(row.model_fields_set), history if tracked else {}


@given(WRITES, st.booleans())
def test_fast_writes_leave_what_sqlmodel_writes_leave(
    writes: list[tuple[str, Any]], in_session: bool
) -> None:
    """A row written fast holds the values and fields set of SQLModel's writes (and, once a
    session tracks it, the same change history)."""
    fast, plain = _row(), _row()
    sessions = [Session(), Session()] if in_session else []
    for session, row in zip(sessions, (fast, plain), strict=False):
        session.add(row)
    for name, value in writes:
        setattr(fast, name, value)
        SQLModel.__setattr__(plain, name, value)
    assert _seen(plain, in_session) == _seen(fast, in_session)

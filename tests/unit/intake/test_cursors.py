"""List cursors are keyset positions: every value of the published form is a position."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalations_intake.db import cursors

ID = "0b6f3e0c-8a1d-5c4e-9f2a-7d3b1e6c5a90"


def test_a_cursor_round_trips_to_the_microsecond() -> None:
    """The cursor of a row decodes to its exact created_at and id."""
    at = datetime(2026, 11, 25, 9, 14, 0, 123456, tzinfo=UTC)
    assert "1795598040123456." + ID == cursors.encode(at, ID)
    assert (at, ID) == cursors.decode(cursors.encode(at, ID))


@given(st.from_regex(cursors.PATTERN, fullmatch=True))
def test_every_cursor_of_the_published_form_is_a_position(cursor: str) -> None:
    """Whatever matches the document's pattern decodes (so it is never refused)."""
    at, escalation_id = cursors.decode(cursor)
    assert (UTC, escalation_id) == (at.tzinfo, cursor.split(".", 1)[1])


@pytest.mark.parametrize("bad", ["", "garbage!", "12." + ID.upper(), "1.2.3", "x" * 50])
def test_other_strings_are_refused_naming_the_form(bad: str) -> None:
    """Strings of another form are refused with the form in the message."""
    with pytest.raises(ValueError, match=re.escape("cursor: not of the form")):
        cursors.decode(bad)

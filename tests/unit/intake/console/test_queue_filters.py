"""The queue's filters and order: parsed from the query string, written back, pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalations_intake.console.queue_filters import (
    MAX_PAGE,
    MAX_SEARCH,
    OPEN_STATUSES,
    FilterError,
    QueueFilters,
    nearest_deadline,
    parse_filters,
    query_string,
    urgency_key,
)

TEAMS = ("ts-dublin", "child-safety")
# Search text as typed: no control characters, no white space at the ends to strip.
_SEARCHABLE = st.characters(max_codepoint=0x2FF, blacklist_categories=("Cc", "Zs"))
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_every_filter_is_read_and_blank_values_do_not_filter() -> None:
    """Each parameter fills its filter; case is forgiven for tier, status and area."""
    params = {
        "team": "ts-dublin",
        "tier": "p1",
        "status": "ASSIGNED",
        "mine": "1",
        "policy_area": "Hate_Speech",
        "source": "trust-tool",
        "q": "  spam wave ",
        "page": "3",
    }
    expected = QueueFilters(
        "ts-dublin", "P1", "assigned", True, "hate_speech", "trust-tool", "spam wave", 3
    )
    assert expected == parse_filters(params, TEAMS)
    blank = dict.fromkeys(params, "")
    assert QueueFilters() == parse_filters(blank, TEAMS)
    assert not parse_filters(blank, TEAMS).any


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("tier", "P9", "'P9' is not one of P0, P1, P2, P3, P4"),
        ("status", "resolved", "is not one of " + ", ".join(OPEN_STATUSES)),
        ("team", "nobody", "'nobody' is not one of child-safety, ts-dublin"),
        ("policy_area", "gossip", "'gossip' is not one of"),
        ("mine", "maybe", "give 1"),
        ("source", "a b", "a source name"),
        ("q", "x" * (MAX_SEARCH + 1), f"longer than {MAX_SEARCH}"),
        ("q", "bell\x07", "control characters"),
        ("page", "0", f"from 1 to {MAX_PAGE}"),
        ("page", str(MAX_PAGE + 1), f"from 1 to {MAX_PAGE}"),
        ("page", "²", "a page number"),
        ("page", "-1", "a page number"),
    ],
)
def test_a_bad_filter_is_an_error_naming_it(name: str, value: str, said: str) -> None:
    """The error names the parameter and says what it accepts."""
    with pytest.raises(FilterError) as raised:
        parse_filters({name: value}, TEAMS)
    assert name == raised.value.name
    assert str(raised.value).startswith(f"{name}: ")
    assert said in str(raised.value)


def test_a_long_bad_value_is_shortened_in_the_error() -> None:
    """A huge bad value is not echoed whole."""
    with pytest.raises(FilterError) as raised:
        parse_filters({"team": "t" * 5000}, TEAMS)
    assert len(str(raised.value)) < 200


def test_the_query_string_keeps_filters_and_leaves_out_defaults() -> None:
    """What a link carries: set filters only, page 1 left out, mine as 1."""
    filters = QueueFilters(team="ts-dublin", mine=True, q="a&b=c", page=1)
    assert "team=ts-dublin&mine=1&q=a%26b%3Dc" == query_string(filters)
    assert "team=ts-dublin&mine=1&q=a%26b%3Dc&page=2" == query_string(filters, page=2)
    assert "" == query_string(QueueFilters())


@given(
    st.builds(
        QueueFilters,
        team=st.sampled_from([None, *TEAMS]),
        tier=st.sampled_from([None, "P0", "P3"]),
        status=st.sampled_from([None, *OPEN_STATUSES]),
        mine=st.booleans(),
        q=st.one_of(st.none(), st.text(_SEARCHABLE, min_size=1, max_size=MAX_SEARCH)),
        page=st.integers(1, MAX_PAGE),
    )
)
def test_filters_round_trip_through_their_query_string(filters: QueueFilters) -> None:
    """A link's filters parse back to the same filters."""
    assert filters == parse_filters(dict(parse_qsl(query_string(filters))), TEAMS)


def test_the_nearest_deadline_ignores_acknowledge_once_acknowledged() -> None:
    """Acknowledging ends the acknowledge deadline; the others still count."""
    ack, resolve, regulatory = T0, T0 + timedelta(hours=4), T0 + timedelta(hours=2)
    assert ack == nearest_deadline(ack, resolve, regulatory, acknowledged=False)
    assert regulatory == nearest_deadline(ack, resolve, regulatory, acknowledged=True)
    assert resolve == nearest_deadline(None, resolve, None, acknowledged=False)
    assert nearest_deadline(ack, None, None, acknowledged=True) is None


def test_the_order_is_tier_then_nearest_deadline_with_none_last() -> None:
    """P0 before P1 whatever the deadlines; within a tier, sooner first, none last."""
    rows = [
        ("P1", T0, "a"),
        ("P0", None, "b"),
        ("P0", T0 + timedelta(hours=1), "c"),
        ("P1", None, "d"),
        ("P0", T0, "e"),
        ("P1", T0, "0"),
    ]
    ordered = sorted(rows, key=lambda r: urgency_key(*r))
    assert ["e", "c", "b", "0", "a", "d"] == [r[2] for r in ordered]

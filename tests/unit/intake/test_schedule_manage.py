"""Pure parts of schedule management, calendar feeds and the simulation's state block."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from escalations.core.assignment import PersonHistory
from escalations.core.config_schedule import Override, TimeOff
from escalations.db.models import OverrideRow, TimeOffRow
from escalations.db.models_schedule import ScheduleHistoryRow
from escalations_intake.db.feeds import FEED_PREFIX, new_secret, secret_hash
from escalations_intake.http.problems import Problem
from escalations_intake.resources.feeds import FeedBody
from escalations_intake.resources.schedule_views import cancellable, history_item, item, window
from escalations_intake.resources.simulate_state import PersonLoad, Window, state_of

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _override_row(end: datetime = NOW + HOUR) -> OverrideRow:
    return OverrideRow(
        id="o1", team="desk", person="ann", start_at=NOW - HOUR, end_at=end, source="admin",
        created_at=NOW - 2 * HOUR,
    )  # fmt: skip


def test_listing_window_defaults_to_now_and_no_end() -> None:
    """Without `from` and `to` the list is current and future changes."""
    assert (NOW, None) == window(None, None, NOW)


@pytest.mark.parametrize("end", [NOW, NOW - HOUR])
def test_listing_window_refuses_an_end_not_after_its_start(end: datetime) -> None:
    """`to` at or before `from` is a 422 naming `to`."""
    with pytest.raises(Problem) as raised:
        window(NOW, end, NOW)
    assert (422, "to: must be after from") == (raised.value.status, raised.value.detail)


def test_a_missing_override_cannot_be_cancelled() -> None:
    """No such row (or one of another team) is a 404 naming the id."""
    with pytest.raises(Problem) as raised:
        cancellable(None, "override", "o9", NOW)
    assert (404, "override_id: no override 'o9' here") == (raised.value.status, raised.value.detail)


def test_an_ended_override_cannot_be_cancelled() -> None:
    """What has ended already is history: a 409 saying when it ended."""
    with pytest.raises(Problem) as raised:
        cancellable(_override_row(end=NOW), "override", "o1", NOW)
    assert 409 == raised.value.status
    assert "ended at 2026-12-07T10:00:00+00:00" in raised.value.detail


def test_a_running_override_can_be_cancelled_and_is_listed_as_stored() -> None:
    """A running override is returned for the cancel and listed with its team and source."""
    row = cancellable(_override_row(), "override", "o1", NOW)
    listed = item(row)
    assert ("o1", "desk", "ann", None, "admin") == (
        listed.id, listed.team, listed.person, listed.reason, listed.source,
    )  # fmt: skip


def test_time_off_is_listed_with_its_reason_and_no_team() -> None:
    """A time-off row lists its reason and no team."""
    row = TimeOffRow(
        id="t1", person="bob", start_at=NOW, end_at=NOW + HOUR, reason="<b>dentist</b>",
        source="admin", created_at=NOW,
    )  # fmt: skip
    assert (None, "<b>dentist</b>") == (item(row).team, item(row).reason)


def test_a_history_row_reads_who_what_when_and_why() -> None:
    """History entries carry the action, the actor, the window as it was and the reason."""
    row = ScheduleHistoryRow(
        id=1, at=NOW, action="override_cancelled", item_id="o1", team="desk", person="ann",
        start_at=NOW - HOUR, end_at=NOW + HOUR, actor="system:admin", reason="swap",
        event_id="e1",
    )  # fmt: skip
    entry = history_item(row)
    assert ("override_cancelled", "o1", "system:admin", "swap", NOW + HOUR) == (
        entry.action, entry.id, entry.actor, entry.reason, entry.end,
    )  # fmt: skip


def test_feed_secrets_are_long_prefixed_and_stored_only_as_a_hash() -> None:
    """Each secret is new, carries the prefix, and its stored form is a SHA-256 hex digest."""
    first, second = new_secret(), new_secret()
    assert first != second
    assert first.startswith(FEED_PREFIX)
    assert len(first) > 40
    assert 64 == len(secret_hash(first))
    assert first not in secret_hash(first)


@pytest.mark.parametrize("text", ["a\x00b", "line\nbreak", "\x1b[31mred", "del\x7f"])
def test_feed_descriptions_refuse_control_characters(text: str) -> None:
    """Control characters in a feed description are refused, naming the field."""
    with pytest.raises(ValidationError) as raised:
        FeedBody(description=text)
    assert ("description",) == raised.value.errors()[0]["loc"]


def test_feed_descriptions_keep_markup_as_text_and_refuse_huge_ones() -> None:
    """Markup is plain text to a JSON answer; more than 200 characters is refused."""
    assert "<b>wall</b>" == FeedBody(description=" <b>wall</b> ").description
    with pytest.raises(ValidationError):
        FeedBody(description="x" * 201)


def test_state_lists_every_candidate_with_its_load_at_the_instant() -> None:
    """Candidates without a load row show as not stored; graphic counts the window before at."""
    history = {
        "ann": PersonHistory(
            last_assigned_at=NOW - HOUR,
            open_count=2,
            graphic_at=(NOW - 9 * HOUR, NOW - HOUR, NOW + HOUR),
        )
    }
    state = state_of(
        as_of=NOW, at=NOW, until=NOW + 24 * HOUR, window=8 * HOUR,
        candidates=["bob", "ann", "ann"], history=history, overrides=(), time_off=(),
        teams=frozenset({"desk"}), people=frozenset({"ann", "bob"}),
    )  # fmt: skip
    assert (
        PersonLoad(
            person="ann", stored=True, last_assigned_at=NOW - HOUR, open_escalations=2,
            graphic_in_window=1,
        ),
        PersonLoad(
            person="bob", stored=False, last_assigned_at=None, open_escalations=0,
            graphic_in_window=0,
        ),
    ) == state.person_load  # fmt: skip


def test_state_lists_only_windows_overlapping_the_simulated_span() -> None:
    """Overrides and time off that ended before `at` or start after the span are left out."""
    overrides = [
        Override(team="desk", person="cat", start=NOW - 3 * HOUR, end=NOW - HOUR),
        Override(team="desk", person="dan", start=NOW - HOUR, end=NOW + HOUR),
        Override(team="desk", person="eve", start=NOW + 30 * HOUR, end=NOW + 31 * HOUR),
    ]
    time_off = [TimeOff(person="ann", start=NOW + 2 * HOUR, end=NOW + 4 * HOUR, reason="x")]
    state = state_of(
        as_of=NOW, at=NOW, until=NOW + 24 * HOUR, window=8 * HOUR, candidates=[],
        history={}, overrides=overrides, time_off=time_off,
        teams=frozenset({"desk"}), people=frozenset({"ann"}),
    )  # fmt: skip
    assert (Window(team="desk", person="dan", start=NOW - HOUR, end=NOW + HOUR),) == (
        state.overrides
    )
    assert ("ann",) == tuple(t.person for t in state.time_off)


def test_state_leaves_out_other_teams_windows() -> None:
    """Overrides of other teams and time off of people not involved are not listed."""
    overrides = [
        Override(team="desk", person="dan", start=NOW - HOUR, end=NOW + HOUR),
        Override(team="ads", person="zed", start=NOW - HOUR, end=NOW + HOUR),
    ]
    time_off = [
        TimeOff(person="ann", start=NOW, end=NOW + HOUR, reason="x"),
        TimeOff(person="zed", start=NOW, end=NOW + HOUR, reason="x"),
    ]
    state = state_of(
        as_of=NOW, at=NOW, until=NOW + 24 * HOUR, window=8 * HOUR, candidates=[],
        history={}, overrides=overrides, time_off=time_off,
        teams=frozenset({"desk"}), people=frozenset({"ann", "dan"}),
    )  # fmt: skip
    assert (("dan",), ("ann",)) == (
        tuple(o.person for o in state.overrides),
        tuple(t.person for t in state.time_off),
    )

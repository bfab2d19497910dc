"""When quiet hours end, in the person's time zone, across midnight and DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from escalations.core.config import QuietHours
from escalations.core.quiet import quiet_hours_end


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(
    ("window", "zone", "at", "expected"),
    [
        # Across midnight: before and after it, the end is the same morning.
        ("22:00-07:00", "Europe/Dublin", "2026-11-25T23:30+00:00", "2026-11-26T07:00+00:00"),
        ("22:00-07:00", "Europe/Dublin", "2026-11-26T03:00+00:00", "2026-11-26T07:00+00:00"),
        ("22:00-07:00", "Europe/Dublin", "2026-11-26T06:59:59+00:00", "2026-11-26T07:00+00:00"),
        # Within one day.
        ("13:00-15:00", "Asia/Singapore", "2026-06-01T14:10+08:00", "2026-06-01T15:00+08:00"),
        # 24:00 is the end of the day.
        ("20:00-24:00", "UTC", "2026-06-01T21:00+00:00", "2026-06-02T00:00+00:00"),
        # Summer time in Dublin: 07:00 local is 06:00 UTC.
        ("22:00-07:00", "Europe/Dublin", "2026-07-01T01:00+01:00", "2026-07-01T07:00+01:00"),
        # The night the clocks go forward (29 March 2026, 01:00 -> 02:00 in Dublin): the
        # night is an hour shorter, the end is still 07:00 on the clock.
        ("22:00-07:00", "Europe/Dublin", "2026-03-28T23:00+00:00", "2026-03-29T07:00+01:00"),
        # An end the jump skips is reached when the clock jumps.
        ("23:00-01:30", "Europe/Dublin", "2026-03-29T00:30+00:00", "2026-03-29T02:00+01:00"),
        # The night the clocks go back (25 October 2026, 02:00 -> 01:00): an hour longer.
        ("22:00-07:00", "Europe/Dublin", "2026-10-24T23:00+01:00", "2026-10-25T07:00+00:00"),
        # An end the clock reads twice is reached the first time ...
        ("23:00-01:30", "Europe/Dublin", "2026-10-25T00:10+01:00", "2026-10-25T01:30+01:00"),
        # ... or the second time, for a message that arrives in the repeated hour.
        ("01:15-01:45", "Europe/Dublin", "2026-10-25T01:20+00:00", "2026-10-25T01:45+00:00"),
        # Los Angeles changes on other dates (8 March 2026).
        ("21:00-08:00", "America/Los_Angeles", "2026-03-08T01:00-08:00", "2026-03-08T08:00-07:00"),
        # Lord Howe Island moves its clocks by half an hour (5 April 2026, 02:00 -> 01:30).
        ("23:00-06:00", "Australia/Lord_Howe", "2026-04-05T00:30+11:00", "2026-04-05T06:00+10:30"),
    ],
)  # fmt: skip
def test_release_instant(window: str, zone: str, at: str, expected: str) -> None:
    """The end of quiet hours is the first instant after ``at`` whose local clock reads it."""
    start, end = window.split("-")
    assert _utc(expected) == quiet_hours_end(QuietHours(start=start, end=end), zone, _utc(at))


@pytest.mark.parametrize("at", ["2026-11-26T07:00+00:00", "2026-11-26T12:00+00:00"])
def test_outside_quiet_hours_there_is_nothing_to_wait_for(at: str) -> None:
    """An instant outside the quiet hours (their end included) has no release instant."""
    assert (
        quiet_hours_end(QuietHours(start="22:00", end="07:00"), "Europe/Dublin", _utc(at)) is None
    )


def test_a_naive_instant_is_refused() -> None:
    """Without a time zone the local clock is unknown: a clear error, not a guess."""
    with pytest.raises(ValueError, match="tz-aware"):
        quiet_hours_end(QuietHours(start="22:00", end="07:00"), "UTC", datetime(2026, 1, 1, 23))


ZONES = ["Europe/Dublin", "America/Los_Angeles", "Asia/Singapore", "Australia/Lord_Howe",
         "America/Sao_Paulo", "Pacific/Chatham", "UTC"]  # fmt: skip
MINUTES = st.integers(min_value=0, max_value=24 * 60 - 1)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@settings(max_examples=400, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    start=MINUTES,
    length=st.integers(min_value=1, max_value=24 * 60 - 1),
    at=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
)
@example(  # the clock falls back from 03:45 to 02:45, a minute before these quiet hours
    zone="Pacific/Chatham", start=166, length=60, at=datetime(2025, 4, 5, 13, 55, tzinfo=UTC)
)
def test_release_is_the_first_instant_out_of_quiet_hours(
    zone: str, start: int, length: int, at: datetime
) -> None:
    """Quiet from ``at`` up to the release (checked every 10 minutes), not quiet at it."""
    quiet = QuietHours(start=_clock(start), end=_clock((start + length) % (24 * 60)))
    release = quiet_hours_end(quiet, zone, at)
    if release is None:
        return
    assert at < release <= at + timedelta(hours=25)
    assert quiet_hours_end(quiet, zone, release) is None
    step, moment = timedelta(minutes=10), at
    while moment < release:
        # Where a fall-back repeats an hour, the clock may read a time outside the quiet
        # hours before reading them again (02:45 when they start at 02:46): not quiet there.
        if not _repeated(moment, zone):
            assert quiet_hours_end(quiet, zone, moment) is not None, moment
        moment += step
    assert quiet_hours_end(quiet, zone, release - timedelta(seconds=1)) is not None


def _repeated(instant: datetime, zone: str) -> bool:
    """Whether the wall time ``instant`` reads in ``zone`` occurs twice (a fall-back)."""
    local = instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    offsets = {local.replace(tzinfo=ZoneInfo(zone), fold=fold).utcoffset() for fold in (0, 1)}
    return len(offsets) == 2 and instant.astimezone(ZoneInfo(zone)).fold == 1

"""A client's retry of a report is known by its fingerprint within the retry window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from escalations.core.retries import Seen, remember, retry_of

T0 = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=10)
FP_A, FP_B = "a" * 64, "b" * 64


@pytest.mark.parametrize(
    ("fingerprint", "after", "expected"),
    [
        (FP_A, timedelta(seconds=5), Seen(FP_A, T0)),  # the retry after a 503
        (FP_A, WINDOW, Seen(FP_A, T0)),  # the window's edge still counts as a retry
        (FP_A, WINDOW + timedelta(seconds=1), None),  # after the window: a new report
        (FP_B, timedelta(seconds=5), None),  # another body (or source): a new report
        (None, timedelta(seconds=5), None),  # no fingerprint: always a new report
        (FP_A, -timedelta(seconds=5), Seen(FP_A, T0)),  # applied out of order
    ],
)
def test_a_report_is_a_retry_only_with_the_same_fingerprint_within_the_window(
    fingerprint: str | None, after: timedelta, expected: Seen | None
) -> None:
    """Same fingerprint within the window: a retry of that report; anything else is new."""
    assert expected == retry_of((Seen(FP_A, T0),), fingerprint, T0 + after, WINDOW)


def test_nothing_seen_means_a_new_report() -> None:
    """An escalation without remembered fingerprints (stored before them) counts the report."""
    assert None is retry_of((), FP_A, T0, WINDOW)


def test_the_window_slides_with_every_attempt() -> None:
    """A client retrying every 5 minutes for 20 minutes is a retry each time."""
    seen: tuple[Seen, ...] = remember((), FP_A, T0, WINDOW)
    for minutes in (5, 10, 15, 20):
        at = T0 + timedelta(minutes=minutes)
        assert retry_of(seen, FP_A, at, WINDOW) is not None
        seen = remember(seen, FP_A, at, WINDOW)
    assert (Seen(FP_A, T0 + timedelta(minutes=20)),) == seen


def test_remember_keeps_one_entry_per_fingerprint_with_its_latest_instant() -> None:
    """A late, out-of-order copy does not move a fingerprint's instant back."""
    seen = remember((Seen(FP_A, T0),), FP_A, T0 - timedelta(seconds=30), WINDOW)
    assert (Seen(FP_A, T0),) == seen


def test_remember_drops_what_is_out_of_the_window_and_keeps_the_newest() -> None:
    """Old fingerprints go; at most ``limit`` remain, the newest, in time order."""
    old = Seen("0" * 64, T0 - WINDOW - timedelta(seconds=1))
    recent = [Seen(f"{i:064x}", T0 - timedelta(seconds=10 - i)) for i in range(1, 6)]
    seen = remember((old, *recent), FP_A, T0, WINDOW, limit=3)
    assert (recent[3], recent[4], Seen(FP_A, T0)) == seen


def test_remember_without_a_fingerprint_only_prunes() -> None:
    """A report without a fingerprint adds nothing."""
    assert (Seen(FP_A, T0),) == remember((Seen(FP_A, T0),), None, T0, WINDOW)

"""The router counts a report once: a client's retry of it changes nothing but the history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from escalations.contracts.events import DuplicateMerged, EscalationReceived
from escalations.core.escalation import EscalationIn, SourceKind, Tier
from escalations_router.domain import retried
from escalations_router.domain.records import Escalation
from escalations_router.domain.state import on_received
from tests.fakes.router import FakeDecider

T0 = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
FP_A, FP_B = "a" * 64, "b" * 64
TITLE = "<script>alert(1)</script>\x07 threat " + "x" * 150


def _report(fingerprint: str | None, after: timedelta = timedelta(0)) -> EscalationReceived:
    return EscalationReceived(
        escalation_id="e-1",
        source="legal",
        source_kind=SourceKind.LEGAL,
        received_at=T0 + after,
        request=EscalationIn(title=TITLE[:200], policy_area="violent_threat"),  # type: ignore[arg-type]
        fingerprint=fingerprint,
    )


def _first(decider: FakeDecider) -> Escalation:
    outcome = on_received(None, _report(FP_A), decider, T0)
    assert outcome.row is not None
    return outcome.row


def test_a_new_escalation_remembers_its_first_report() -> None:
    """The first report's fingerprint and instant are stored on the new row."""
    row = _first(FakeDecider())
    assert [[FP_A, T0.isoformat()]] == row.report_fingerprints


def test_a_retry_within_the_window_is_not_counted() -> None:
    """Same fingerprint 5 s later: reports, score, tier and priority stay; no event goes out."""
    decider = FakeDecider(rescore_tier=Tier.P0)
    row = _first(decider)
    before = (row.reports, row.score, row.tier, dict(row.priority))
    outcome = on_received(row, _report(FP_A, timedelta(seconds=5)), decider, T0)
    assert before == (row.reports, row.score, row.tier, row.priority)
    assert [] == outcome.events
    (change,) = outcome.changes
    expected = (
        "retry_not_counted",
        "legal",
        "retry of the report at 2026-12-07T03:00:00Z not counted",
    )
    assert expected == (change.action, change.actor, change.reason)
    assert [[FP_A, (T0 + timedelta(seconds=5)).isoformat()]] == row.report_fingerprints


@pytest.mark.parametrize(
    ("fingerprint", "after"),
    [
        (FP_B, timedelta(seconds=5)),  # another body for the same key: a new report
        (FP_A, timedelta(minutes=10, seconds=1)),  # the same body after the window
        (None, timedelta(seconds=5)),  # an event from an intake without fingerprints
    ],
)
def test_a_new_report_still_counts(fingerprint: str | None, after: timedelta) -> None:
    """Another body, the same body after the window, or no fingerprint: one more report."""
    decider = FakeDecider()
    row = _first(decider)
    outcome = on_received(row, _report(fingerprint, after), decider, T0)
    assert 2 == row.reports
    (merged,) = outcome.events
    assert isinstance(merged, DuplicateMerged)
    assert "duplicate_merged" == outcome.changes[0].action


def test_a_short_window_setting_applies() -> None:
    """With a 2 s window, the same body 3 s later counts."""
    decider = FakeDecider(retry_window=timedelta(seconds=2))
    row = _first(decider)
    on_received(row, _report(FP_A, timedelta(seconds=3)), decider, T0)
    assert 2 == row.reports


def test_a_row_from_before_fingerprints_counts_the_report_and_remembers_it() -> None:
    """A stored row without the column's value counts the next report, then knows its retry."""
    decider = FakeDecider()
    row = _first(decider)
    row.report_fingerprints = None
    on_received(row, _report(FP_B, timedelta(seconds=1)), decider, T0)
    on_received(row, _report(FP_B, timedelta(seconds=2)), decider, T0)
    assert 2 == row.reports


def test_stored_fingerprints_read_back() -> None:
    """The column's value reads back as it was written, instants with their zone."""
    seen = retried.seen_of([[FP_A, T0.isoformat()], [FP_B, "2026-12-07T04:00:00+01:00"]])
    assert [[FP_A, T0.isoformat()], [FP_B, "2026-12-07T04:00:00+01:00"]] == retried.stored(seen)
    assert None is retried.stored(())

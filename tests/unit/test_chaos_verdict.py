"""The fault-injection suite's figures: duplicates marked or not, losses, recovery time."""

from __future__ import annotations

import pytest

from tests.chaos.verdict import (
    Delivery,
    Figures,
    drained_after,
    duplicates,
    first_arrivals,
    header,
    undelivered,
)

ASSIGNED = "escalation.assigned"


def _d(esc: str, event: str, at: float, *, path: str = "/hook/a", mark: bool = False,
       kind: str = ASSIGNED) -> Delivery:  # fmt: skip
    return Delivery(esc, event, kind, path, mark, at)


def test_a_later_copy_with_the_mark_counts_as_marked() -> None:
    """The first copy is the original; a later marked copy of the same event is marked."""
    assert (1, 0) == duplicates([_d("e1", "v1", 2.0, mark=True), _d("e1", "v1", 1.0)])


def test_a_later_copy_without_the_mark_counts_as_unmarked() -> None:
    """A re-send without the redelivery header is an unmarked duplicate."""
    assert (0, 1) == duplicates([_d("e1", "v1", 1.0), _d("e1", "v1", 1.5)])


def test_the_same_event_to_two_addresses_is_no_duplicate() -> None:
    """One event to two people, or two events to one, is not a duplicate."""
    deliveries = [
        _d("e1", "v1", 1.0, path="/hook/a"),
        _d("e1", "v1", 1.1, path="/hook/b"),
        _d("e1", "v2", 1.2, path="/hook/a"),
    ]
    assert (0, 0) == duplicates(deliveries)


def test_first_arrivals_keep_the_earliest_of_the_asked_type() -> None:
    """Per escalation, the earliest delivery of the type; other types are left out."""
    deliveries = [
        _d("e1", "v1", 3.0),
        _d("e1", "v1", 2.0),
        _d("e2", "v9", 1.0, kind="escalation.sla_warning"),
    ]
    assert {"e1": 2.0} == first_arrivals(deliveries, ASSIGNED)


def test_undelivered_names_the_accepted_ids_without_a_delivery() -> None:
    """Accepted ids missing from the arrivals are listed, sorted."""
    assert ["e3", "e9"] == undelivered({"e9", "e1", "e3"}, {"e1": 1.0})


def test_drained_after_is_the_last_waiting_arrival_after_back() -> None:
    """The recovery time is from the moment of return to the last waiting arrival."""
    arrivals = {"e1": 10.5, "e2": 12.25, "e3": 99.0}
    assert 2.25 == drained_after(["e1", "e2"], arrivals, back_at=10.0)


def test_drained_after_is_zero_when_all_arrived_before_back() -> None:
    """Nothing was waiting at the return: no recovery time, not a negative one."""
    assert 0.0 == drained_after(["e1"], {"e1": 5.0}, back_at=10.0)


def test_drained_after_refuses_when_some_never_arrived() -> None:
    """Without every arrival there is no recovery time: the error names what is missing."""
    with pytest.raises(ValueError, match=r"1 waiting escalations never arrived, e.g. \['e2'\]"):
        drained_after(["e1", "e2"], {"e1": 5.0}, back_at=1.0)


def test_header_lookup_ignores_case() -> None:
    """Header names match whatever their case; a missing one is None."""
    headers = {"x-escalation-redelivery": "1"}
    assert ("1", None) == (header(headers, "X-Escalation-Redelivery"), header(headers, "X-Other"))


def test_figures_line_names_every_figure() -> None:
    """The printed line carries every figure, hostile scenario names included verbatim."""
    figures = Figures("<b>kill</b>\x1b[31m", 10, 9, 1, 9, 9, 2, 0, 1.234)
    expected = (
        "chaos <b>kill</b>\x1b[31m: sent 10, accepted 9, refused (503) 1, stored 9, "
        "delivered 9, duplicates marked 2 / unmarked 0, recovery 1.23 s"
    )
    assert expected == figures.line()
    assert "recovery -" in Figures("s", 0, 0, 0, 0, 0, 0, 0).line()

"""Shift handoffs over a window: rotations, overrides, holiday layers, and Dublin's DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from escalations.core.config import Override, TimeOff
from escalations.core.handoffs import (
    Handoff,
    handoff_id,
    handoffs,
    next_handoff,
    on_call,
    previous_handoff,
)
from tests.unit.core.schedule_helpers import config, one_layer, utc

DAILY = """
name: main
rotation: daily
handoff: "09:00"
timezone: Europe/Dublin
start: 2026-01-05
members: [ann, bob, cat]
"""
IST = timezone(timedelta(hours=1))  # Irish Standard Time, summer


def _override(person: str, start: datetime, end: datetime) -> Override:
    return Override(team="t", person=person, start=start, end=end)


def test_daily_handoff_moves_with_the_clocks_going_back_in_dublin() -> None:
    """09:00 local is 08:00 UTC on 24 October (IST) and 09:00 UTC on 25 October (GMT)."""
    cfg = config(one_layer(DAILY))
    found = handoffs(cfg, "t", utc(2026, 10, 23, 12), utc(2026, 10, 25, 12))
    # Slot n puts member n mod 3 on duty: 24 October is bob's, 25 October cat's (2 March cat's).
    assert [
        Handoff("t", utc(2026, 10, 24, 8), ("ann",), ("bob",)),
        Handoff("t", utc(2026, 10, 25, 9), ("bob",), ("cat",)),
    ] == found


def test_window_is_open_at_its_start_and_closed_at_its_end() -> None:
    """A handoff exactly at ``after`` belongs to the window before; one at ``through`` to this."""
    cfg = config(one_layer(DAILY))
    at = utc(2026, 10, 25, 9)
    assert [] == handoffs(cfg, "t", at, at + timedelta(hours=1))
    assert [at] == [h.at for h in handoffs(cfg, "t", at - timedelta(hours=1), at)]
    assert [] == handoffs(cfg, "t", at, at)


def test_override_across_the_repeated_hour_hands_over_at_both_instants() -> None:
    """01:30 occurs twice on 25 October in Dublin: an override from the first to the second.

    Overrides are instants, so the two 01:30s are distinct: 00:30 UTC (IST) and 01:30 UTC
    (GMT); both edges are handoffs, one hour apart.
    """
    first = datetime(2026, 10, 25, 1, 30, tzinfo=IST)
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    cfg = config(one_layer(DAILY))
    found = handoffs(
        cfg,
        "t",
        utc(2026, 10, 25),
        utc(2026, 10, 25, 3),
        overrides=[_override("dan", first, second)],
    )
    assert [
        Handoff("t", utc(2026, 10, 25, 0, 30), ("bob",), ("dan",)),
        Handoff("t", utc(2026, 10, 25, 1, 30), ("dan",), ("bob",)),
    ] == found


def test_layer_edge_at_the_repeated_local_time_is_its_first_occurrence() -> None:
    """A window from 01:30 local on 25 October starts at the first 01:30 (00:30 UTC, IST)."""
    night = (
        "        - {name: night, rotation: daily, timezone: Europe/Dublin, start: 2026-01-05,\n"
        "           members: [dan], restrictions: [{days: [sun], start: '01:30', end: '05:00'}]}\n"
    )
    cfg = config(one_layer(DAILY) + night)
    found = handoffs(cfg, "t", utc(2026, 10, 25), utc(2026, 10, 25, 6))
    assert [
        Handoff("t", utc(2026, 10, 25, 0, 30), ("bob",), ("dan",)),
        Handoff("t", utc(2026, 10, 25, 5), ("dan",), ("bob",)),
    ] == found


def test_override_start_and_end_are_handoffs() -> None:
    """An override replaces the rotation's person at its start and gives it back at its end."""
    cfg = config(one_layer(DAILY))
    override = _override("eve", utc(2026, 3, 2, 14), utc(2026, 3, 2, 18))
    found = handoffs(cfg, "t", utc(2026, 3, 2, 12), utc(2026, 3, 2, 20), overrides=[override])
    assert [(h.at, h.outgoing, h.incoming) for h in found] == [
        (utc(2026, 3, 2, 14), ("cat",), ("eve",)),
        (utc(2026, 3, 2, 18), ("eve",), ("cat",)),
    ]


def test_same_people_under_another_layer_is_no_handoff() -> None:
    """An override for the person already on call changes the layer, not who is on call."""
    cfg = config(one_layer(DAILY))
    override = _override("cat", utc(2026, 3, 2, 14), utc(2026, 3, 2, 18))
    assert [] == handoffs(cfg, "t", utc(2026, 3, 2, 12), utc(2026, 3, 2, 20), overrides=[override])


def test_holiday_layer_edges_are_handoffs() -> None:
    """Christmas and St Stephen's Day (IE) go to the holiday layer and back at local midnight."""
    teams = one_layer(DAILY.replace("[ann, bob, cat]", "[ann]")) + (
        "        - {name: holiday, rotation: daily, timezone: Europe/Dublin, start: 2026-01-05,\n"
        "           members: [dan], holidays: IE}\n"
    )
    found = handoffs(config(teams), "t", utc(2026, 12, 24), utc(2026, 12, 28))
    assert [
        Handoff("t", utc(2026, 12, 25), ("ann",), ("dan",)),
        Handoff("t", utc(2026, 12, 27), ("dan",), ("ann",)),
    ] == found


def test_time_off_hands_over_to_the_cover() -> None:
    """Someone going on leave mid-shift hands over to the next member, and gets it back."""
    cfg = config(one_layer(DAILY))
    leave = TimeOff(person="cat", start=utc(2026, 3, 2, 12), end=utc(2026, 3, 2, 15))
    found = handoffs(cfg, "t", utc(2026, 3, 2, 10), utc(2026, 3, 2, 16), time_off=[leave])
    assert [(h.outgoing, h.incoming) for h in found] == [(("cat",), ("ann",)), (("ann",), ("cat",))]


def test_next_and_previous_handoff_bound_the_shift() -> None:
    """The incoming shift ends at the next handoff; the outgoing one began at the previous."""
    cfg = config(one_layer(DAILY))
    at = utc(2026, 3, 2, 9)
    assert utc(2026, 3, 3, 9) == next_handoff(cfg, "t", at)
    assert utc(2026, 3, 1, 9) == previous_handoff(cfg, "t", at)
    assert next_handoff(cfg, "t", at, within=timedelta(hours=3)) is None
    assert ["cat"] == sorted(on_call(cfg, "t", at))


def test_handoff_ids_are_stable_per_team_and_instant() -> None:
    """The same team and instant give the same id in any offset; another team another id."""
    at = utc(2026, 10, 25, 9)
    assert handoff_id("t", at) == handoff_id("t", at.astimezone(IST))
    assert handoff_id("t", at) != handoff_id("u", at)
    assert Handoff("t", at, (), ("ann",)).id == handoff_id("t", at)

"""The router's schedule commands: which apply, how the batch's schedule changes, and the
shared shaping of stored overrides, time off and person load."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from escalations.contracts.events import OverrideRequested, TimeOffRequested
from escalations.contracts.schedule import OverrideCancelRequested, TimeOffCancelRequested
from escalations.core.assignment import PersonHistory
from escalations.core.config import Override, TimeOff, loads_config
from escalations.db.live_state import histories_of, schedule_of
from escalations_router.batch import Touched
from escalations_router.domain import schedule
from escalations_router.domain.duty import StoredSchedule

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
CONFIG = loads_config("""
people:
  - {id: ann, name: Ann, timezone: Europe/Dublin, contacts: {email: ann@example.com}}
teams:
  - id: desk
    name: Desk
    lead: ann
    schedule:
      layers:
        - {name: days, rotation: daily, handoff: "09:00", timezone: Europe/Dublin,
           start: 2026-01-05, members: [ann]}
    escalation_policy:
      levels:
        - targets: [{kind: schedule}]
routing:
  rules: []
  default_team: desk
""").config


def _override(**changes: object) -> OverrideRequested:
    fields: dict[str, object] = {
        "override_id": "o1", "team": "desk", "person": "ann", "start": NOW,
        "end": NOW + HOUR, "source": "admin", "requested_at": NOW,
    }  # fmt: skip
    return OverrideRequested.model_validate({**fields, **changes})


@pytest.mark.parametrize(
    ("cmd", "expected"),
    [
        (_override(), None),
        (_override(end=NOW), f"end {NOW.isoformat()} is not after start {NOW.isoformat()}"),
        (_override(person="zed"), "unknown person 'zed'"),
        (_override(team="gone"), "unknown team 'gone'"),
        (
            OverrideCancelRequested(
                override_id="o1", team="gone", source="admin", requested_at=NOW
            ),
            None,
        ),
        (
            TimeOffCancelRequested(
                time_off_id="t1", person="zed", source="admin", requested_at=NOW
            ),
            None,
        ),
    ],
)
def test_which_schedule_commands_apply(cmd: schedule.ScheduleCommand, expected: str | None) -> None:
    """Adds are checked against the configuration; a cancel always applies (or is a no-op)."""
    assert expected == schedule.problem(cmd, CONFIG)


def test_an_add_joins_the_batch_schedule() -> None:
    """Later decisions of the batch see an override or time off added earlier in it."""
    away = TimeOffRequested(
        time_off_id="t1", person="ann", start=NOW, end=NOW + HOUR, reason=None,
        source="admin", requested_at=NOW,
    )  # fmt: skip
    changed = schedule.with_command(schedule.with_command(StoredSchedule(), _override()), away)
    assert (
        (Override(team="desk", person="ann", start=NOW, end=NOW + HOUR),),
        (TimeOff(person="ann", start=NOW, end=NOW + HOUR, reason=""),),
    ) == (changed.overrides, changed.time_off)


def test_a_command_acts_as_its_source_in_the_history() -> None:
    """The history's actor of a key's command is ``system:<source>``."""
    assert "system:admin" == schedule.actor(_override())


def test_a_batch_with_a_cancel_does_not_overlap_another() -> None:
    """Cancels change the schedule like adds: such a batch waits for the one before."""
    cancel = OverrideCancelRequested(override_id="o1", team="desk", source="a", requested_at=NOW)
    assert isinstance(cancel, schedule.SCHEDULE_COMMANDS)
    other = Touched(frozenset({"x"}), frozenset({"e1"}), scheduling=False)
    assert not Touched(frozenset({"desk"}), frozenset({"e2"}), scheduling=True).apart_from(other)


def test_stored_rows_shape_into_overrides_and_time_off() -> None:
    """Live-schedule rows become core overrides and time off; other rows are left out."""
    rows = [
        ("override", "desk", "ann", NOW, NOW + HOUR, None),
        ("time_off", None, "bob", NOW, NOW + 2 * HOUR, None),
        ("processed", "e1", None, None, None, None),
    ]
    overrides, time_off = schedule_of(rows)
    assert [("desk", "ann")] == [(o.team, o.person) for o in overrides]
    assert [("bob", "")] == [(t.person, t.reason) for t in time_off]


def test_person_load_rows_shape_into_history() -> None:
    """A load row's graphic stamps (ISO text in JSON) become instants."""
    rows = [
        {"person": "ann", "last_assigned_at": NOW, "open_count": 3, "graphic_at": [NOW.isoformat()]}
    ]
    assert {"ann": PersonHistory(NOW, 3, (NOW,))} == histories_of(rows)

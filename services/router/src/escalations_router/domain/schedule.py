"""Schedule commands (add or cancel overrides and time off): the rules, and the live schedule.

A command is checked against the configuration (``problem``); an add changes the schedule
later decisions of the same batch see (``with_command``). Storing them is
``postgres.schedule``'s. ``LiveSchedule`` keeps one ``StoredSchedule`` object while the
stored rows stay the same, so who is on duty is remembered across batches. No I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from escalations.contracts.events import PERSON_SOURCE_PREFIX, OverrideRequested, TimeOffRequested
from escalations.contracts.schedule import OverrideCancelRequested, TimeOffCancelRequested
from escalations.core.config import Config, Override, TimeOff
from escalations.db.live_state import schedule_of
from escalations_router.domain.duty import StoredSchedule

Add = OverrideRequested | TimeOffRequested
Cancel = OverrideCancelRequested | TimeOffCancelRequested
ScheduleCommand = Add | Cancel
SCHEDULE_COMMANDS = (
    OverrideRequested,
    TimeOffRequested,
    OverrideCancelRequested,
    TimeOffCancelRequested,
)


def problem(cmd: ScheduleCommand, config: Config) -> str | None:
    """Return why a schedule command cannot apply under ``config``, or None if it can.

    A cancel always applies: what it names may outlive a person or team in the
    configuration, and cancelling what is gone changes nothing.
    """
    if isinstance(cmd, Cancel):
        return None
    if cmd.end <= cmd.start:
        return f"end {cmd.end.isoformat()} is not after start {cmd.start.isoformat()}"
    if cmd.person not in config.people_by_id:
        return f"unknown person '{cmd.person}'"
    if isinstance(cmd, OverrideRequested) and cmd.team not in config.teams_by_id:
        return f"unknown team '{cmd.team}'"
    return None


def with_command(schedule: StoredSchedule, cmd: Add) -> StoredSchedule:
    """Return the schedule with an add applied, so later decisions of the batch see it."""
    if isinstance(cmd, OverrideRequested):
        override = Override(team=cmd.team, person=cmd.person, start=cmd.start, end=cmd.end)
        return StoredSchedule((*schedule.overrides, override), schedule.time_off)
    away = TimeOff(person=cmd.person, start=cmd.start, end=cmd.end, reason=cmd.reason or "")
    return StoredSchedule(schedule.overrides, (*schedule.time_off, away))


def actor(cmd: ScheduleCommand) -> str:
    """Return who a command acts as in the history: a person, or ``system:<source>``."""
    person = cmd.source.removeprefix(PERSON_SOURCE_PREFIX)
    return person if person != cmd.source else f"system:{cmd.source}"


class LiveSchedule:
    """The live schedule as last loaded: the same object while the stored rows are the same.

    Who is on duty is remembered per schedule object across batches (``CoreDecider``): a
    batch that loads the same overrides and time off as the one before gets the same object.
    """

    def __init__(self) -> None:
        self._rows: tuple[tuple[object, ...], ...] | None = None
        self._schedule = StoredSchedule()

    def of(self, rows: Sequence[Any]) -> StoredSchedule:
        """Return the schedule of these rows (processed-event rows are left out)."""
        found = tuple(tuple(row) for row in rows if row[0] != "processed")
        if found != self._rows:
            self._rows, self._schedule = found, schedule_from(rows)
        return self._schedule


def schedule_from(rows: Sequence[Any]) -> StoredSchedule:
    """Return the schedule of ``LIVE_SCHEDULE`` rows (other rows are left out)."""
    return StoredSchedule(*schedule_of(rows))

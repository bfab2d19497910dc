"""Answers of the schedule management API, and the checks its routes share (pure)."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from escalations.core.config import Config
from escalations.db.models import OverrideRow, TimeOffRow
from escalations.db.models_schedule import ScheduleHistoryRow
from escalations_intake.http.problems import Problem

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def printable(value: str | None) -> str | None:
    """Return text without surrounding whitespace; refuse control characters."""
    if value is None:
        return None
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value.strip()


class ScheduleItem(BaseModel):
    """A stored override or time off."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="Id of the override or time off")
    team: str | None = Field(None, description="The team (overrides)")
    person: str = Field(description="Who covers, or who is away")
    start: datetime = Field(description="Start of the window")
    end: datetime = Field(description="End of the window (exclusive)")
    reason: str | None = Field(None, description="Why (time off)")
    source: str = Field(description="Source of the key that added it")
    created_at: datetime = Field(description="When the router stored it")


class ScheduleList(BaseModel):
    """Stored overrides or time off overlapping a window, earliest first."""

    start: datetime = Field(alias="from", description="Window start")
    end: datetime | None = Field(alias="to", description="Window end (null: no end)")
    items: list[ScheduleItem] = Field(description="What overlaps the window")


class HistoryItem(BaseModel):
    """One schedule change: who did what, when and why."""

    at: datetime = Field(description="When the router applied it")
    action: str = Field(
        description="`override_added`, `override_cancelled`, `time_off_added` or "
        "`time_off_cancelled`"
    )
    id: str = Field(description="Id of the override or time off")
    team: str | None = Field(description="The team (overrides)")
    person: str = Field(description="Who covers, or who is away")
    start: datetime = Field(description="Start of the window as it was")
    end: datetime = Field(description="End of the window as it was")
    actor: str = Field(description="Who asked (`system:<source>` for a key)")
    reason: str | None = Field(description="Why, if given")


class ScheduleHistory(BaseModel):
    """Schedule changes, newest first."""

    items: list[HistoryItem] = Field(description="The changes")


def window(
    start: datetime | None, end: datetime | None, now: datetime
) -> tuple[datetime, datetime | None]:
    """Return the listing window: from ``start`` (default now) to ``end`` (default none)."""
    begin = start or now
    if end is not None and end <= begin:
        raise Problem(422, "Invalid request", "to: must be after from")
    return begin, end


def item(row: OverrideRow | TimeOffRow) -> ScheduleItem:
    """Return a stored row as a list entry."""
    return ScheduleItem(
        id=row.id,
        team=row.team if isinstance(row, OverrideRow) else None,
        person=row.person,
        start=row.start_at,
        end=row.end_at,
        reason=row.reason if isinstance(row, TimeOffRow) else None,
        source=row.source,
        created_at=row.created_at,
    )


def history_item(row: ScheduleHistoryRow) -> HistoryItem:
    """Return a history row as a list entry."""
    return HistoryItem(
        at=row.at,
        action=row.action,
        id=row.item_id,
        team=row.team,
        person=row.person,
        start=row.start_at,
        end=row.end_at,
        actor=row.actor,
        reason=row.reason,
    )


def cancellable(
    row: OverrideRow | TimeOffRow | None, kind: str, item_id: str, now: datetime
) -> OverrideRow | TimeOffRow:
    """Return the row to cancel; 404 if there is none, 409 if it has ended already."""
    if row is None:
        raise Problem(404, "Not found", f"{kind}_id: no {kind.replace('_', ' ')} '{item_id}' here")
    if row.end_at <= now:
        raise Problem(409, "Conflict", f"{kind}_id: '{item_id}' ended at {row.end_at.isoformat()}")
    return row


def known_person(config: Config, person: str) -> None:
    """Raise 404 unless ``person`` is in the configuration."""
    if person not in config.people_by_id:
        raise Problem(404, "Not found", f"person: no person '{person}' in the configuration")

"""Schedule management tables: the history of schedule changes, and calendar feeds.

* ``schedule_history``: append-only, written by the router in the transaction that adds
  or cancels an override or time off (who, what, when, why).
* ``calendar_feeds``: secret calendar URLs (per team or per person) that calendar apps
  subscribe to without headers; written by the intake, which keeps only a hash of each
  secret.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Index
from sqlmodel import Field, SQLModel


def _ts(*, nullable: bool = False) -> Any:
    return Field(
        default=None if nullable else ...,
        sa_column=Column(DateTime(timezone=True), nullable=nullable),
    )


class ScheduleHistoryRow(SQLModel, table=True):
    """One change to the runtime schedule: an override or time off added or cancelled."""

    __tablename__ = "schedule_history"
    __table_args__ = (
        Index("ix_schedule_history_team_at", "team", "at"),
        Index("ix_schedule_history_person_at", "person", "at"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    at: datetime = _ts()
    # ``override_added``, ``override_cancelled``, ``time_off_added``, ``time_off_cancelled``
    action: str = Field(max_length=32)
    item_id: str = Field(max_length=36)
    team: str | None = Field(default=None, max_length=100)
    person: str = Field(max_length=100)
    start_at: datetime = _ts()
    end_at: datetime = _ts()
    actor: str = Field(max_length=120)
    reason: str | None = Field(default=None, max_length=500)
    event_id: str = Field(max_length=200)


class CalendarFeedRow(SQLModel, table=True):
    """A secret calendar feed URL of a team or a person; the secret itself is never stored."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (Index("ix_calendar_feeds_owner", "kind", "owner"),)

    id: str = Field(primary_key=True, max_length=36)
    kind: str = Field(max_length=8)  # ``team`` or ``person``
    owner: str = Field(max_length=100)
    secret_hash: str = Field(max_length=64, unique=True)
    description: str | None = Field(default=None, max_length=200)
    created_by: str = Field(max_length=120)
    created_at: datetime = _ts()
    revoked_at: datetime | None = _ts(nullable=True)

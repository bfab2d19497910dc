"""The router's own tables: durable escalation clocks and per-person assignment load.

* ``router_clocks``: one row per escalation; when its next timer is due, the escalation
  policy's progress, and the SLA budget snapshotted with it. Written only under the
  escalation's row lock, so a firing and the state change it causes commit together.
* ``router_person_load``: what round robin and the wellbeing cap remember about a person,
  shared by every router instance and locked per batch (see docs/router.md, "Round robin
  across routers").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Float, Index, Integer, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from escalations.db.fast import FastSetMixin


def _ts(*, nullable: bool = False) -> Any:
    return Field(
        default=None if nullable else ...,
        sa_column=Column(DateTime(timezone=True), nullable=nullable),
    )


class ClockRow(FastSetMixin, SQLModel, table=True):
    """The durable timer of one escalation and the policy progress it drives."""

    __tablename__ = "router_clocks"
    __table_args__ = (
        Index("ix_router_clocks_due", "due_at", postgresql_where=text("due_at IS NOT NULL")),
    )

    escalation_id: str = Field(sa_column=Column(String(36), primary_key=True))
    due_at: datetime | None = _ts(nullable=True)
    started_at: datetime = _ts()
    tier: str = Field(sa_column=Column(String(2), nullable=False))
    acknowledge_seconds: float = Field(sa_column=Column(Float, nullable=False))
    resolve_seconds: float = Field(sa_column=Column(Float, nullable=False))
    warning_share: float = Field(sa_column=Column(Float, nullable=False))
    progress: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    rescore_at: datetime | None = _ts(nullable=True)
    fired: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    updated_at: datetime = _ts()


class PersonLoadRow(SQLModel, table=True):
    """Round-robin and wellbeing memory of one person, across all router instances."""

    __tablename__ = "router_person_load"

    person: str = Field(sa_column=Column(String(100), primary_key=True))
    last_assigned_at: datetime | None = _ts(nullable=True)
    open_count: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    assigned_total: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    graphic_at: list[str] = Field(
        default_factory=list, sa_column=Column(JSONB, nullable=False, server_default="[]")
    )
    updated_at: datetime | None = _ts(nullable=True)

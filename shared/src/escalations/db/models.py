"""SQLModel tables. Who writes what is in docs/architecture.md; in short:

* router: ``escalations``, ``escalation_history``, ``processed_events``, ``outbox``,
  ``schedule_overrides``, ``time_off``;
* intake: ``api_keys`` (through its key CLI and the bootstrap key);
* notifier: ``deliveries`` (its ledger).

The domain core never sees these classes: adapters map rows to plain objects.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

from escalations.db.fast import FastSetMixin


def _ts(*, nullable: bool = False, index: bool = False) -> Any:
    """Return a timezone-aware timestamp column (naive datetimes are refused by asyncpg)."""
    return Field(
        default=None if nullable else ...,
        sa_column=Column(DateTime(timezone=True), nullable=nullable, index=index),
    )


def _json(*, nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(JSONB, nullable=nullable))


# The nearest deadline of an open escalation, the acknowledge deadline counting until it is
# acknowledged, written as Postgres shows it so that the schema check compares it exactly.
QUEUE_NEAREST = (
    "LEAST(\nCASE\n    WHEN acknowledged_at IS NULL THEN acknowledge_by\n"
    "    ELSE NULL::timestamp with time zone\nEND, resolve_by, regulatory_deadline)"
)


class EscalationRow(FastSetMixin, SQLModel, table=True):
    """Current state of one escalation; written only by the router."""

    __tablename__ = "escalations"
    __table_args__ = (
        Index("ix_escalations_created", text("created_at DESC"), text("id DESC")),
        Index("ix_escalations_status_created", "status", text("created_at DESC")),
        Index("ix_escalations_team_created", "team", text("created_at DESC")),
        Index("ix_escalations_owner_created", "owner", text("created_at DESC")),
        Index("ix_escalations_tier_created", "tier", text("created_at DESC")),
        # The console queue's order of open escalations (migration 0018, docs/console.md).
        Index(
            "ix_escalations_queue",
            "tier",
            text(QUEUE_NEAREST),
            "id",
            postgresql_where=text("status <> 'resolved'"),
        ),
        # One row per incarnation of a key; the intake reads the newest (migration 0009).
        Index(
            "uq_escalations_source_external_generation",
            "source",
            "external_id",
            "generation",
            unique=True,
        ),
    )

    id: str = Field(sa_column=Column(String(36), primary_key=True))
    source: str = Field(max_length=100)
    source_kind: str = Field(max_length=40)
    external_id: str | None = Field(default=None, max_length=200)
    status: str = Field(max_length=20)
    title: str = Field(max_length=200)
    policy_area: str = Field(max_length=40)
    tier: str = Field(max_length=2)
    score: int
    team: str | None = Field(default=None, max_length=100)
    owner: str | None = Field(default=None, max_length=100)
    level: int = 1
    reports: int = 1
    request: dict[str, Any] = _json()
    priority: dict[str, Any] = _json()
    assignment: dict[str, Any] | None = _json(nullable=True)
    policy_snapshot: dict[str, Any] | None = _json(nullable=True)
    acknowledge_by: datetime | None = _ts(nullable=True)
    resolve_by: datetime | None = _ts(nullable=True)
    regulatory_deadline: datetime | None = _ts(nullable=True)
    received_at: datetime = _ts()
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    acknowledged_at: datetime | None = _ts(nullable=True)
    resolved_at: datetime | None = _ts(nullable=True)
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False))
    # Re-fires (docs/refires-and-retries.md): which incarnation of (source, external_id) this is,
    # the resolved one it follows, and the one that followed it.
    generation: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default=text("0"))
    )
    follows: str | None = Field(default=None, max_length=36)
    followed_by: str | None = Field(default=None, max_length=36)
    # Retried reports (docs/refires-and-retries.md): the fingerprints of the latest reports, each
    # with the latest instant it arrived, as ``[[fingerprint, ISO instant], ...]`` (0014).
    report_fingerprints: list[Any] | None = _json(nullable=True)


class HistoryRow(SQLModel, table=True):
    """One state change or rejected command, with time, actor and reason."""

    __tablename__ = "escalation_history"

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    escalation_id: str = Field(max_length=36, index=True)
    at: datetime = _ts()
    actor: str = Field(max_length=100)
    action: str = Field(max_length=60)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str | None = Field(default=None, max_length=20)
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    event_id: str | None = Field(default=None, max_length=100)


class ProcessedEventRow(SQLModel, table=True):
    """An input event a consumer has fully applied; the primary key makes replays no-ops."""

    __tablename__ = "processed_events"
    # Led by the event id: the batch lookup is ``event_id = ANY(...)`` (migration 0007).
    # BRIN on the instant: the retention prune finds old records without reading the table.
    __table_args__ = (
        PrimaryKeyConstraint("event_id", "consumer"),
        Index(
            "ix_processed_events_processed_at",
            "processed_at",
            postgresql_using="brin",
            postgresql_with={"autosummarize": "on"},
        ),
    )

    consumer: str = Field(primary_key=True, max_length=60)
    event_id: str = Field(primary_key=True, max_length=100)
    processed_at: datetime = _ts()


class OutboxRow(SQLModel, table=True):
    """An outgoing event, committed with the state change that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_unsent", "id", postgresql_where=text("sent_at IS NULL")),
        # For the retention prune, as on ``processed_events``.
        Index(
            "ix_outbox_created_at",
            "created_at",
            postgresql_using="brin",
            postgresql_with={"autosummarize": "on"},
        ),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    event_id: str = Field(max_length=100, unique=True)
    topic: str = Field(max_length=200)
    key: str = Field(max_length=100)
    envelope: dict[str, Any] = _json()
    created_at: datetime = _ts()
    sent_at: datetime | None = _ts(nullable=True)


class ApiKeyRow(SQLModel, table=True):
    """An API key of a source; only its SHA-256 is stored."""

    __tablename__ = "api_keys"

    id: str = Field(primary_key=True, max_length=36)
    source: str = Field(max_length=100, index=True)
    source_kind: str = Field(max_length=40)
    scopes: list[str] = Field(sa_column=Column(ARRAY(String(40)), nullable=False))
    key_hash: str = Field(max_length=64, unique=True)
    key_prefix: str = Field(max_length=16)
    description: str | None = Field(default=None, max_length=200)
    created_at: datetime = _ts()
    revoked_at: datetime | None = _ts(nullable=True)


class DeliveryRow(SQLModel, table=True):
    """The notifier's ledger: one row per (event, recipient, channel), written before sending."""

    __tablename__ = "deliveries"
    __table_args__ = (
        # The retry queue: rows someone must (re)send, by when (migration 0005), and rows
        # held for quiet hours, by their release instant (migration 0011).
        Index(
            "ix_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("status IN ('pending', 'retrying', 'held')"),
        ),
        # The DLQ-size gauge counts parked rows; without this it scans the whole ledger.
        Index(
            "ix_deliveries_dead_lettered",
            "event_id",
            postgresql_where=text("status = 'dead_lettered'"),
        ),
    )

    event_id: str = Field(primary_key=True, max_length=100)
    recipient: str = Field(primary_key=True, max_length=100)
    channel: str = Field(primary_key=True, max_length=20)
    escalation_id: str = Field(max_length=36, index=True)
    status: str = Field(max_length=20)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    sent_at: datetime | None = _ts(nullable=True)
    # Migration 0005: what a retry or a DLQ replay needs to send again. The address is not
    # stored (chat webhook URLs are credentials); it is looked up in the configuration.
    event_type: str | None = Field(default=None, max_length=60)
    event_time: datetime | None = _ts(nullable=True)
    body: dict[str, Any] | None = _json(nullable=True)
    next_attempt_at: datetime | None = _ts(nullable=True)
    # Migration 0013: the notifier instance that leased the row last, and how many leases
    # found it still pending (an earlier attempt's outcome unknown: the re-send is marked).
    owner: str | None = Field(default=None, max_length=200)
    redeliveries: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default=text("0"))
    )


class OverrideRow(SQLModel, table=True):
    """A person covering a team's primary rotation in a window; written by the router."""

    __tablename__ = "schedule_overrides"
    __table_args__ = (Index("ix_schedule_overrides_team_end", "team", "end_at"),)

    id: str = Field(primary_key=True, max_length=36)
    team: str = Field(max_length=100)
    person: str = Field(max_length=100)
    start_at: datetime = _ts()
    end_at: datetime = _ts()
    source: str = Field(max_length=100)
    created_at: datetime = _ts()


class TimeOffRow(SQLModel, table=True):
    """A person skipped by every rotation in a window; written by the router."""

    __tablename__ = "time_off"
    __table_args__ = (Index("ix_time_off_person_end", "person", "end_at"),)

    id: str = Field(primary_key=True, max_length=36)
    person: str = Field(max_length=100)
    start_at: datetime = _ts()
    end_at: datetime = _ts()
    reason: str | None = Field(default=None, max_length=500)
    source: str = Field(max_length=100)
    created_at: datetime = _ts()

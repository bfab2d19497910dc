"""Postgres access for one batch: idempotency check, row locks, history, outbox."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import orjson
from pydantic import BaseModel, TypeAdapter
from sqlalchemy import String, any_, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from escalations.contracts.envelope import new_event_id, schema_uri
from escalations.contracts.registry import EVENT_TYPE_OF, EVENT_TYPES
from escalations.db.models import EscalationRow
from escalations.db.models_router import ClockRow
from escalations_router.rows import column_names
from escalations_router.state import Change

CONSUMER = "router"
SOURCE = "/router"


# ``= ANY(array)`` rather than ``IN (...)``: one statement text whatever the batch size, so
# Postgres and the driver prepare it once, not once per distinct number of ids.
_IDS = bindparam("ids", type_=ARRAY(String))
_LOCK_ROWS = (
    select(EscalationRow)
    .where(col(EscalationRow.id) == any_(_IDS))
    .order_by(col(EscalationRow.id))
    .with_for_update()
)
_CLOCKS = select(ClockRow).where(col(ClockRow.escalation_id) == any_(_IDS))


async def lock_rows(session: AsyncSession, ids: Iterable[str]) -> dict[str, EscalationRow]:
    """Load and lock the escalations a batch touches (one query)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    # Sorted: every writer locks escalations in id order, so two batches never deadlock.
    result = await session.exec(_LOCK_ROWS, params={"ids": wanted})
    return {row.id: row for row in result.all()}


async def load_clocks(session: AsyncSession, ids: Iterable[str]) -> dict[str, ClockRow]:
    """Load the clocks of escalations whose rows this transaction has locked."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    result = await session.exec(_CLOCKS, params={"ids": wanted})
    return {clock.escalation_id: clock for clock in result.all()}


# Every row the batch writes, in one round trip: each table's rows travel as one JSON array
# and Postgres expands it (``jsonb_populate_recordset`` takes the table's own row type, so
# the columns line up). Rows are inserted in array order, so outbox ids follow the batch.
# The people changed by assignments are written back in the same statement.
_WRITE = text(
    """
WITH
  e AS (INSERT INTO escalations
        SELECT * FROM jsonb_populate_recordset(NULL::escalations, CAST(:escalations AS jsonb))),
  c AS (INSERT INTO router_clocks
        SELECT * FROM jsonb_populate_recordset(NULL::router_clocks, CAST(:clocks AS jsonb))),
  h AS (INSERT INTO escalation_history
          (escalation_id, at, actor, action, from_status, to_status, reason, event_id)
        SELECT escalation_id, at, actor, action, from_status, to_status, reason, event_id
        FROM jsonb_populate_recordset(NULL::escalation_history, CAST(:history AS jsonb))),
  o AS (INSERT INTO outbox (event_id, topic, key, envelope, created_at)
        SELECT event_id, topic, key, envelope, created_at
        FROM jsonb_populate_recordset(NULL::outbox, CAST(:outbox AS jsonb))),
  p AS (INSERT INTO processed_events
        SELECT * FROM jsonb_populate_recordset(NULL::processed_events, CAST(:processed AS jsonb))),
  u AS (UPDATE router_person_load AS t
        SET last_assigned_at = x.last, open_count = x.open,
            assigned_total = t.assigned_total + x.added, graphic_at = x.graphic,
            updated_at = x.now
        FROM jsonb_to_recordset(CAST(:people AS jsonb))
          AS x(p text, last timestamptz, open integer, added integer, graphic jsonb,
               now timestamptz)
        WHERE t.person = x.p)
SELECT 1
"""
)


@dataclass
class Writes:
    """Rows a transaction writes, all in one statement at its end.

    New escalations and clocks are kept as objects while the batch may still change them
    and inserted in their final state; existing rows are updated through the session.
    """

    history: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    processed: list[dict[str, Any]] = field(default_factory=list)
    escalations: list[EscalationRow] = field(default_factory=list)
    clocks: list[ClockRow] = field(default_factory=list)
    people: list[dict[str, object]] = field(default_factory=list)

    def record(
        self, escalation_id: str, changes: Iterable[Change], event_id: str | None, now: datetime
    ) -> None:
        """Append history entries."""
        self.history.extend(
            {
                "escalation_id": escalation_id,
                "at": now,
                "actor": c.actor,
                "action": c.action,
                "from_status": c.from_status,
                "to_status": c.to_status,
                "reason": c.reason,
                "event_id": event_id,
            }
            for c in changes
        )

    def enqueue(
        self, topic: str, key: str, event_id: str, body: dict[str, Any], now: datetime
    ) -> None:
        """Put one outgoing message in the outbox (published by the relay after commit)."""
        self.outbox.append(
            {"event_id": event_id, "topic": topic, "key": key, "envelope": body, "created_at": now}
        )

    def enqueue_all(self, escalation_id: str, events: Iterable[BaseModel], now: datetime) -> None:
        """Wrap payloads in envelopes about one escalation and put them in the outbox."""
        time = _json_time(now)
        for event in events:
            event_type = EVENT_TYPE_OF[type(event)]
            event_id = new_event_id()
            # The envelope ``build_event`` would give, without validating and dumping an
            # ``Envelope`` model on top of the payload (a hot path: every escalation).
            body = {
                "specversion": "1.0",
                "id": event_id,
                "source": SOURCE,
                "type": event_type,
                "subject": escalation_id,
                "time": time,
                "datacontenttype": "application/json",
                "dataschema": schema_uri(event_type),
                "data": event.model_dump(mode="json"),
            }
            self.enqueue(EVENT_TYPES[event_type][0], escalation_id, event_id, body, now)

    def mark_processed(self, event_id: str, now: datetime) -> None:
        """Record that an input event was applied, in the same transaction as its effects."""
        self.processed.append({"consumer": CONSUMER, "event_id": event_id, "processed_at": now})

    async def flush(self, session: AsyncSession) -> None:
        """Write everything collected (existing rows are flushed by the session first)."""
        await session.flush()
        tables = {
            "escalations": [_values(row) for row in self.escalations],
            "clocks": [_values(clock) for clock in self.clocks],
            "history": self.history,
            "outbox": self.outbox,
            "processed": self.processed,
            "people": self.people,
        }
        if not any(tables.values()):
            return
        params = {name: orjson.dumps(rows).decode() for name, rows in tables.items()}
        connection = await session.connection()
        await connection.execute(_WRITE, params)


_TIME: TypeAdapter[datetime] = TypeAdapter(datetime)


@lru_cache(maxsize=8)
def _json_time(at: datetime) -> str:
    """Return an instant as pydantic writes it in JSON (a batch stamps every event alike)."""
    return str(_TIME.dump_python(at, mode="json"))


def _values(row: SQLModel) -> dict[str, Any]:
    # Straight from the instance dict: every column of a row built by ``new_row`` is there.
    values = row.__dict__
    return {name: values[name] for name in column_names(type(row))}

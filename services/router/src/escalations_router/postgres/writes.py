"""The batch's one write: history, outbox, processed events, records and people load.

Everything a transaction changes is collected in ``Writes`` and written by one statement at
its end, each table's rows as one JSON array Postgres expands with the table's own row
type (docs/router.md, "One transaction per fetched batch").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, lru_cache
from typing import Any

import orjson
from pydantic import TypeAdapter

from escalations.audit.chain import Draft
from escalations.contracts.fast import new_event_id, raw_envelope
from escalations.contracts.registry import EVENT_TYPE_OF, EVENT_TYPES
from escalations_router.domain.outcome import Change, Event, Payload
from escalations_router.domain.records import CLOCK_FIELDS, ESCALATION_FIELDS, Clock, Escalation
from escalations_router.postgres import audit
from escalations_router.postgres.db import Connection, as_json

# The consumer name in ``processed_events``, and the source of the router's events.
CONSUMER = "router"
SOURCE = "/router"


@cache
def _update(table: str, key: str, columns: tuple[str, ...]) -> str:
    """Return a CTE body that overwrites whole rows from a JSON array, matched by key.

    Its parameter is written ``${n}``: ``_write_statement`` numbers it.
    """
    names = [name for name in columns if name != key]
    targets = ", ".join(names)
    values = ", ".join(f"x.{name}" for name in names)
    # Built from the table models' own column names, never from input.
    return (
        f"UPDATE {table} AS t SET ({targets}) = ({values}) "  # noqa: S608
        f"FROM jsonb_populate_recordset(NULL::{table}, CAST(${{n}}::text AS jsonb)) AS x "
        f"WHERE t.{key} = x.{key}"
    )


# Every row the batch writes, in one round trip: each table's rows travel as one JSON array
# and Postgres expands it (``jsonb_populate_recordset`` takes the table's own row type, so
# the columns line up). Rows are inserted in array order, so outbox ids follow the batch.
# Loaded rows the batch changed are written back whole; new ones are inserted. The people
# changed by assignments are written back in the same statement. Only the parts that have
# rows are sent: Postgres plans every execution (``db.make_pool``), and a part with nothing
# to write costs planning time all the same (a quarter of it for a batch of new escalations).
_PARTS = (
    """INSERT INTO escalations
        SELECT * FROM jsonb_populate_recordset(NULL::escalations, CAST(${n}::text AS jsonb))""",
    """INSERT INTO router_clocks
        SELECT * FROM jsonb_populate_recordset(NULL::router_clocks, CAST(${n}::text AS jsonb))""",
    """INSERT INTO escalation_history
          (escalation_id, at, actor, action, from_status, to_status, reason, event_id)
        SELECT escalation_id, at, actor, action, from_status, to_status, reason, event_id
        FROM jsonb_populate_recordset(NULL::escalation_history, CAST(${n}::text AS jsonb))""",
    """INSERT INTO outbox (event_id, topic, key, envelope, created_at)
        SELECT event_id, topic, key, envelope, created_at
        FROM jsonb_populate_recordset(NULL::outbox, CAST(${n}::text AS jsonb))
        RETURNING id, event_id""",
    """INSERT INTO processed_events (consumer, event_id, processed_at)
        SELECT consumer, event_id, processed_at
        FROM jsonb_populate_recordset(NULL::processed_events, CAST(${n}::text AS jsonb))""",
    """UPDATE router_person_load AS t
        SET last_assigned_at = x.last, open_count = x.open,
            assigned_total = t.assigned_total + x.added, graphic_at = x.graphic,
            updated_at = x.now
        FROM jsonb_to_recordset(CAST(${n}::text AS jsonb))
          AS x(p text, last timestamptz, open integer, added integer, graphic jsonb,
               now timestamptz)
        WHERE t.person = x.p""",
    # Status updates posted in the batch (docs/router.md, "Updates").
    """INSERT INTO escalation_updates
        SELECT * FROM jsonb_populate_recordset(
          NULL::escalation_updates, CAST(${n}::text AS jsonb))""",
)


_OUTBOX_PART = 3  # the outbox's place in ``_PARTS``


@cache
def _write_statement(present: tuple[bool, ...]) -> str:
    """Return the one statement writing the parts marked present, numbered in that order."""
    parts = (
        *_PARTS,
        _update("escalations", "id", ESCALATION_FIELDS),
        _update("router_clocks", "escalation_id", CLOCK_FIELDS),
    )
    chosen = [part for part, here in zip(parts, present, strict=True) if here]
    ctes = ",\n".join(
        f"  w{n} AS ({part.replace('${n}', f'${n}')})" for n, part in enumerate(chosen, 1)
    )
    if not present[_OUTBOX_PART]:
        return f"WITH\n{ctes}\nSELECT 1\n"
    # The outbox rows' ids, for the relay (``Relay.reserve``).
    outbox = sum(present[:_OUTBOX_PART]) + 1
    return f"WITH\n{ctes}\nSELECT id, event_id FROM w{outbox}\n"


@dataclass
class Writes:
    """Rows a transaction writes, all in one statement at its end.

    New escalations and clocks are kept as records while the batch may still change them
    and inserted in their final state; loaded ones the batch touched are written back whole.
    """

    history: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    # Each outbox row's envelope as JSON, serialised once: the row carries it into the
    # write statement as a fragment, and the relay takes it from here (``batch.write.handed_rows``).
    envelopes: list[bytes] = field(default_factory=list)
    processed: list[dict[str, Any]] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    clocks: list[Clock] = field(default_factory=list)
    people: list[dict[str, object]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)  # ``escalation_updates`` rows
    changed: dict[str, Escalation] = field(default_factory=dict)
    changed_clocks: dict[str, Clock] = field(default_factory=dict)
    # The router's own actions for the audit log (``batch.fire``), appended after the rest.
    audit: list[Draft] = field(default_factory=list)

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
        """Put one outgoing message in the outbox (published by the relay after commit).

        Datetimes in ``body`` are written as pydantic writes them (UTC as ``Z``).
        """
        envelope = orjson.dumps(body, option=orjson.OPT_UTC_Z)
        self.outbox.append(
            {
                "event_id": event_id,
                "topic": topic,
                "key": key,
                "envelope": orjson.Fragment(envelope),
                "created_at": now,
            }
        )
        self.envelopes.append(envelope)

    def enqueue_all(self, escalation_id: str, events: Iterable[Event], now: datetime) -> None:
        """Wrap payloads in envelopes about one escalation and put them in the outbox."""
        time = _json_time(now)
        for event in events:
            if isinstance(event, Payload):
                event_type, data = EVENT_TYPE_OF[event.model], event.data
            else:
                event_type, data = EVENT_TYPE_OF[type(event)], event.model_dump(mode="json")
            event_id = new_event_id()
            # The envelope ``build_event`` would give, without validating and dumping an
            # ``Envelope`` model on top of the payload (a hot path: every escalation).
            body = raw_envelope(
                event_type,
                event_id=event_id,
                source=SOURCE,
                subject=escalation_id,
                time=time,
                data=data,
            )
            self.enqueue(EVENT_TYPES[event_type][0], escalation_id, event_id, body, now)

    def mark_processed(self, event_id: str, now: datetime) -> None:
        """Record that an input event was applied, in the same transaction as its effects."""
        self.processed.append({"consumer": CONSUMER, "event_id": event_id, "processed_at": now})

    async def flush(self, connection: Connection) -> dict[str, int]:
        """Write everything collected; return the outbox ids by event id.

        The rows go in one statement; the audit entries, if any, after it, so the audit
        log's lock is taken last and held only until the commit (``postgres.audit``).
        """
        ids = await self._write_rows(connection)
        if self.audit:
            await audit.append_many(connection, self.audit)
        return ids

    async def _write_rows(self, connection: Connection) -> dict[str, int]:
        """Write every row collected, in one statement; return the outbox ids by event id."""
        # Records go as they are: orjson writes a dataclass as an object of its fields.
        tables = (
            self.escalations,
            self.clocks,
            self.history,
            self.outbox,
            self.processed,
            self.people,
            self.updates,
            list(self.changed.values()),
            list(self.changed_clocks.values()),
        )
        present = tuple(bool(rows) for rows in tables)
        if not any(present):
            return {}
        args = [as_json(rows) for rows in tables if rows]
        if not self.outbox:
            await connection.execute(_write_statement(present), *args)
            return {}
        records = await connection.fetch(_write_statement(present), *args)
        return {event_id: outbox_id for outbox_id, event_id in records}


_TIME: TypeAdapter[datetime] = TypeAdapter(datetime)


@lru_cache(maxsize=8)
def _json_time(at: datetime) -> str:
    """Return an instant as pydantic writes it in JSON (a batch stamps every event alike)."""
    return str(_TIME.dump_python(at, mode="json"))

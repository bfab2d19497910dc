"""Seed what the team health page reads (deliveries, person load by plain SQL); read its cells."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text

from escalations.db.engine import make_engine
from escalations.db.models import DeliveryRow


def run_sql(database_url: str, statement: str, **params: Any) -> list[Any]:
    """Run one statement in its own transaction; return its rows (none for a write)."""

    async def run() -> list[Any]:
        engine = make_engine(database_url, pool_size=1)
        try:
            async with engine.begin() as conn:
                result = await conn.execute(text(statement), params)
                return list(result.all()) if result.returns_rows else []
        finally:
            await engine.dispose()

    return asyncio.run(run())


def as_json(value: object) -> str:
    """Return ``value`` as JSON text, for a ``CAST(:x AS jsonb)`` parameter."""
    return json.dumps(value)


def delivery(person: str, channel: str, status: str, at: datetime, kind: str) -> DeliveryRow:
    """Return a ledger row as the notifier writes it, for ``person`` on ``channel`` at ``at``."""
    return DeliveryRow(
        event_id=str(uuid.uuid4()),
        recipient=person,
        channel=channel,
        escalation_id=str(uuid.uuid4()),
        status=status,
        created_at=at,
        updated_at=at,
        sent_at=at if status == "sent" else None,
        event_type=kind,
        event_time=at,
    )


def met_of(cell: str) -> tuple[int, int]:
    """Return (met, due) of a compliance cell such as ``67 % (2 of 3)``."""
    found = re.search(r"\((\d+) of (\d+)\)", cell)
    assert found, cell
    return int(found[1]), int(found[2])


def last_night(zone: ZoneInfo, now: datetime) -> datetime:
    """Return the latest 23:30 local time in ``zone`` at least an hour before ``now``."""
    local = now.astimezone(zone).replace(hour=23, minute=30, second=0, microsecond=0)
    while local.astimezone(UTC) > now - timedelta(hours=1):
        local -= timedelta(days=1)
    return local.astimezone(UTC)

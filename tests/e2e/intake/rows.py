"""Write rows as the router would, so read endpoints can be tested without a router."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlmodel import SQLModel

from escalations.db.engine import make_engine, make_sessions
from escalations.db.models import EscalationRow, HistoryRow, OverrideRow, TimeOffRow


def escalation_row(**changes: Any) -> EscalationRow:
    """Return a stored escalation as the router writes it (fields overridable)."""
    now = datetime.now(UTC)
    esc_id = changes.pop("id", str(uuid.uuid4()))
    fields: dict[str, Any] = {
        "id": esc_id,
        "source": "intake-tests",
        "source_kind": "internal_tool",
        "external_id": None,
        "status": "assigned",
        "title": "Stored by the test",
        "policy_area": "hate_speech",
        "tier": "P2",
        "score": 40,
        "team": "ts-dublin",
        "owner": "ciaran",
        "request": {"title": "Stored by the test", "policy_area": "hate_speech"},
        "priority": {
            "tier": "P2",
            "score": 40,
            "reasons": [{"factor": "policy_area", "points": 20, "detail": "hate_speech severity"}],
        },
        "assignment": {"owner": "ciaran", "candidates": []},
        "acknowledge_by": now,
        "resolve_by": now,
        "received_at": now,
        "created_at": now,
        "updated_at": now,
    }
    fields.update(changes)
    return EscalationRow(**fields)


def insert(database_url: str, *rows: SQLModel) -> None:
    """Insert rows in one transaction."""

    async def run() -> None:
        engine = make_engine(database_url, pool_size=1)
        try:
            async with make_sessions(engine)() as session:
                session.add_all(rows)
                await session.commit()
        finally:
            await engine.dispose()

    asyncio.run(run())


def history(esc_id: str, action: str) -> HistoryRow:
    """Return a history row of an escalation."""
    return HistoryRow(
        escalation_id=esc_id,
        at=datetime.now(UTC),
        actor="router",
        action=action,
        from_status=None,
        to_status="assigned",
        reason="test",
    )


def override(team: str, person: str, start: datetime, end: datetime) -> OverrideRow:
    """Return a stored override."""
    return OverrideRow(
        id=str(uuid.uuid4()),
        team=team,
        person=person,
        start_at=start,
        end_at=end,
        source="intake-tests",
        created_at=datetime.now(UTC),
    )


def time_off(person: str, start: datetime, end: datetime) -> TimeOffRow:
    """Return stored time off."""
    return TimeOffRow(
        id=str(uuid.uuid4()),
        person=person,
        start_at=start,
        end_at=end,
        reason="test",
        source="intake-tests",
        created_at=datetime.now(UTC),
    )

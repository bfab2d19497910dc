"""Send update reminders that are due, once per interval (``domain.reminders`` says which).

In one transaction: lock the escalations whose next round may be due (``SKIP LOCKED``),
decide under the lock, write the ``escalation.update_due`` events to the outbox and the
rounds sent to ``update_reminders`` together. A crash before the commit leaves them due;
a second instance skips the locked rows, or finds the round recorded (docs/router.md,
"Stakeholders: reminders, handoffs, digests").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from escalations.core.config import Config
from escalations_router.domain.reminders import anchor_of, due_reminder
from escalations_router.postgres import db
from escalations_router.postgres import stakeholders as sql
from escalations_router.postgres.writes import Writes
from escalations_router.stakeholders.outbox import enqueue, flush


async def send_reminders(pool: db.Pool, config: Config, now: datetime, limit: int) -> int:
    """Send the reminders due by ``now``, at most ``limit``; return how many were sent."""
    setting = config.stakeholders
    tiers = [tier.value for tier in setting.update_tiers]
    if not tiers:
        return 0
    interval = setting.update_interval
    async with pool.acquire() as connection, connection.transaction():
        rows, updates, sent = await sql.lock_due_reminders(connection, tiers, interval, now, limit)
        writes = Writes()
        stored: list[dict[str, Any]] = []
        for row in rows:
            last = updates.get(row.id)
            due = due_reminder(
                row,
                last,
                sent.get(row.id),
                interval=interval,
                tiers=setting.update_tiers,
                now=now,
            )
            if due is None:
                continue
            enqueue(writes, row.id, due, now)
            stored.append(
                {
                    "escalation_id": row.id,
                    "anchor": anchor_of(row, last),
                    "round": due.round,
                    "due_at": due.due_at,
                    "sent_at": now,
                }
            )
        await sql.record_reminders(connection, stored)
        await flush(connection, writes)
    return len(stored)

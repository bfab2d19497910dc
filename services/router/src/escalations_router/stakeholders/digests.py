"""Send each team lead's daily digest once per local day (``domain.digests`` says when).

Per team and lead whose digest is due and not yet sent, in one transaction: count the
team's period (``core.packets.digest``), insert the ``team_digests`` row and, only if that
insert was new, the ``team.digest`` event in the outbox (docs/router.md, "Stakeholders:
reminders, handoffs, digests").
"""

from __future__ import annotations

from datetime import datetime

from escalations.core.config import Config
from escalations.core.packets import digest
from escalations_router.domain.digests import DigestSlot, digest_due
from escalations_router.postgres import db
from escalations_router.postgres import stakeholders as sql
from escalations_router.postgres.writes import Writes
from escalations_router.stakeholders.outbox import enqueue, flush

Due = tuple[str, str, str, DigestSlot]  # team, lead, time zone, slot


def due_digests(config: Config, now: datetime) -> list[Due]:
    """Return every (team, lead) digest due at ``now``; none if digests are off."""
    setting = config.stakeholders.digest
    if not setting.enabled:
        return []
    found = []
    for team in config.teams:
        for lead in sorted(team.leaders()):
            timezone = config.person(lead).timezone
            slot = digest_due(timezone, setting.at, now)
            if slot is not None:
                found.append((team.id, lead, timezone, slot))
    return found


async def send_digests(pool: db.Pool, config: Config, now: datetime) -> int:
    """Send the digests due at ``now`` that were not sent yet; return how many were sent."""
    due = due_digests(config, now)
    if not due:
        return 0
    async with pool.acquire() as connection:
        done = await sql.sent_digests(connection, {slot.day for *_, slot in due})
    sent = 0
    for team, lead, timezone, slot in due:
        if (team, lead, slot.day) in done:
            continue
        async with pool.acquire() as connection, connection.transaction():
            items = await sql.digest_items(connection, team, slot.start, slot.end)
            payload = digest(team, lead, slot.day, timezone, slot.start, slot.end, items)
            writes = Writes()
            event_id = enqueue(writes, team, payload, now)
            if await sql.claim_digest(connection, team, lead, slot.day, event_id, now):
                await flush(connection, writes)
                sent += 1
    return sent

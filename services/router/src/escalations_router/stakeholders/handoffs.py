"""Find a team's shift handoffs since its watermark and send each once, with its packet.

Per team, in one transaction: lock the team's watermark (``SKIP LOCKED``: an instance busy
with the team is left to it), find the handoffs in ``(watermark, now]`` (never further back
than ``LOOKBACK``), and for each build the packet, insert its ``shift_handoffs`` row and,
only if that insert was new, its ``shift.handoff`` event in the outbox; then move the
watermark to ``now``. A crash before the commit leaves all of it for the next round; a
second instance finds the watermark moved or the rows present (docs/router.md,
"Stakeholders: reminders, handoffs, digests").
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from escalations.core.config import Config
from escalations.core.handoffs import Handoff, handoffs, next_handoff, previous_handoff
from escalations.core.packets import handoff_packet
from escalations_router.domain.duty import StoredSchedule
from escalations_router.postgres import db
from escalations_router.postgres import stakeholders as sql
from escalations_router.postgres.writes import Writes
from escalations_router.stakeholders.outbox import enqueue, flush

log = logging.getLogger(__name__)

# How far back a restarted router looks for handoffs it missed; older ones are skipped.
LOOKBACK = timedelta(hours=12)
# How far back notes are read: the outgoing shift's start, and never more than this.
NOTES_BACK = timedelta(hours=24)
# How far ahead the incoming shift's end is looked for.
SHIFT_AHEAD = timedelta(days=7)


async def send_team_handoffs(
    connection: db.Connection, config: Config, team: str, schedule: StoredSchedule, now: datetime
) -> int:
    """Send the team's handoffs up to ``now`` in the caller's transaction; return how many."""
    through = await sql.watermark(connection, team, now)
    if through is None or through >= now:
        return 0
    after = max(through, now - LOOKBACK)
    found = handoffs(
        config, team, after, now, overrides=schedule.overrides, time_off=schedule.time_off
    )
    writes = Writes()
    sent = 0
    for handoff in found:
        if await _send(connection, config, handoff, schedule, writes, now):
            sent += 1
    await flush(connection, writes)
    await sql.move_watermark(connection, team, now)
    return sent


async def _send(
    connection: db.Connection,
    config: Config,
    handoff: Handoff,
    schedule: StoredSchedule,
    writes: Writes,
    now: datetime,
) -> bool:
    team, at = handoff.team, handoff.at
    overrides, time_off = schedule.overrides, schedule.time_off
    shift_end = next_handoff(
        config, team, at, within=SHIFT_AHEAD, overrides=overrides, time_off=time_off
    )
    began = previous_handoff(
        config, team, at, within=NOTES_BACK, overrides=overrides, time_off=time_off
    )
    notes = await sql.notes(connection, team, began or at - NOTES_BACK, at)
    packet = handoff_packet(handoff, shift_end, await sql.open_items(connection, team), notes)
    if not await sql.claim_handoff(connection, packet, now):
        return False  # another instance, or an earlier round, sent it
    enqueue(writes, team, packet, now)
    log.info(
        "shift handoff of team %s at %s: %s -> %s",
        team, at.isoformat(), ",".join(handoff.outgoing), ",".join(handoff.incoming),
    )  # fmt: skip
    return True

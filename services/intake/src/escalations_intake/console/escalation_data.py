"""Read what the escalation page shows: the escalation, its history, its deliveries.

Thin adapters over Postgres; what they read is turned into the page by
``escalation_view`` (pure). An escalation the person may not see is answered exactly as a
missing one (``auth.access_rules.on_escalation``, docs/contract/access.md). Deliveries come
from the notifier's ledger (``deliveries``), newest first and bounded, and never with the
message body (docs/console.md, "Escalation page").
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import load_only
from sqlmodel import col, select

from escalations.core.access import Action
from escalations.db.models import DeliveryRow, EscalationRow, HistoryRow
from escalations_intake.auth.access_rules import (
    EscalationFacts,
    Refusal,
    not_found,
    on_escalation,
)
from escalations_intake.console.escalation_view import DeliveryLine
from escalations_intake.console.people import ConsolePerson
from escalations_intake.db import Sessions
from escalations_intake.db.escalations import history_of

DELIVERIES_SHOWN = 50
# Escalation ids are UUIDs (36 characters): a longer one names nothing, like a missing one.
MAX_ID = 36


@dataclass(frozen=True, slots=True)
class Loaded:
    """An escalation the person may see, with its history (oldest first)."""

    row: EscalationRow
    history: list[HistoryRow]


async def load_row(sessions: Sessions, escalation_id: str) -> EscalationRow | None:
    """Return the stored escalation, or None (also for an id no escalation can have)."""
    if not escalation_id or len(escalation_id) > MAX_ID:
        return None
    async with sessions() as session:
        return await session.get(EscalationRow, escalation_id)


def facts_of(row: EscalationRow) -> EscalationFacts:
    """Return what need-to-know and the matrix read of a stored escalation."""
    paged = (row.assignment or {}).get("paged") or []
    return EscalationFacts(row.id, row.team, row.policy_area, row.owner, tuple(map(str, paged)))


def refusal_on(
    person: ConsolePerson,
    row: EscalationRow | None,
    escalation_id: str,
    action: Action,
    *,
    acknowledging: bool = False,
) -> Refusal | None:
    """Return why the person may not do ``action`` on the escalation (404, 403), or None."""
    if row is None:
        return not_found(escalation_id)
    return on_escalation(
        person.config,
        person.roles,
        action,
        facts_of(row),
        escalation_id,
        acknowledging=acknowledging,
    )


async def load_visible(
    sessions: Sessions, person: ConsolePerson, escalation_id: str
) -> Loaded | Refusal:
    """Return the escalation and its history, or the 404 of one missing or not visible."""
    row = await load_row(sessions, escalation_id)
    refusal = refusal_on(person, row, escalation_id, Action.ESCALATIONS_READ)
    if refusal is not None or row is None:
        return refusal or not_found(escalation_id)
    return Loaded(row, await history_of(sessions, escalation_id))


async def deliveries_of(
    sessions: Sessions, escalation_id: str, limit: int = DELIVERIES_SHOWN
) -> tuple[list[DeliveryLine], bool]:
    """Return the newest ``limit`` deliveries of the escalation and whether there are more."""
    table = DeliveryRow
    shown = ("status", "attempts", "created_at", "sent_at", "updated_at")
    stmt = (
        select(table)
        .options(load_only(*(getattr(table, name) for name in shown)))  # never the body
        .where(col(table.escalation_id) == escalation_id)
        .order_by(col(table.created_at).desc(), col(table.recipient), col(table.channel))
        .limit(limit + 1)
    )
    async with sessions() as session:
        rows = list((await session.exec(stmt)).all())
    lines = [
        DeliveryLine(
            d.recipient, d.channel, d.status, d.attempts, d.created_at, d.sent_at, d.updated_at
        )
        for d in rows[:limit]
    ]
    return lines, len(rows) > limit

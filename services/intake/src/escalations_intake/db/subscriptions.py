"""Subscriptions to one escalation (``escalation_subscriptions``): add, list, remove.

A subscription is a person, an e-mail address or a Slack, Teams or webhook URL following
one escalation (docs/contract/http-api.md, "Subscriptions"). Removal keeps the row
(``removed_at``, ``removed_by``) so the audit log and the notifier's ledger can still name
it. Adding is idempotent: the same kind and target on the same escalation, while active,
is the one row, even for two requests at once (a transaction-scoped advisory lock on the
three serialises them).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, func, update
from sqlmodel import col, select

from escalations.db.models_stakeholders import SubscriptionRow
from escalations_intake.db import Sessions


@dataclass(frozen=True, slots=True)
class Added:
    """The active subscription, and whether this request made it (False: it was there)."""

    row: SubscriptionRow
    created: bool


def _active(escalation_id: str) -> tuple[ColumnElement[bool], ...]:
    return (
        col(SubscriptionRow.escalation_id) == escalation_id,
        col(SubscriptionRow.removed_at).is_(None),
    )


async def add(
    sessions: Sessions, escalation_id: str, kind: str, target: str, created_by: str
) -> Added:
    """Return the active subscription of ``kind`` and ``target``, storing it if there is none."""
    key = f"subscription:{escalation_id}:{kind}:{target}"
    async with sessions() as session:
        await session.exec(select(func.pg_advisory_xact_lock(func.hashtext(key))))
        found = await session.exec(
            select(SubscriptionRow)
            .where(*_active(escalation_id))
            .where(col(SubscriptionRow.kind) == kind, col(SubscriptionRow.target) == target)
            .limit(1)
        )
        existing = found.first()
        if existing is not None:
            return Added(existing, created=False)
        row = SubscriptionRow(
            id=str(uuid.uuid4()),
            escalation_id=escalation_id,
            kind=kind,
            target=target,
            created_by=created_by,
            created_at=datetime.now(UTC),
        )
        session.add(row)
        await session.commit()
        await session.refresh(row)
        return Added(row, created=True)


async def active(sessions: Sessions, escalation_id: str) -> list[SubscriptionRow]:
    """Return the escalation's active subscriptions, oldest first."""
    stmt = (
        select(SubscriptionRow)
        .where(*_active(escalation_id))
        .order_by(col(SubscriptionRow.created_at), col(SubscriptionRow.id))
    )
    async with sessions() as session:
        return list((await session.exec(stmt)).all())


async def find_active(
    sessions: Sessions, escalation_id: str, subscription_id: str
) -> SubscriptionRow | None:
    """Return the active subscription ``subscription_id`` of the escalation, if any."""
    stmt = (
        select(SubscriptionRow)
        .where(*_active(escalation_id))
        .where(col(SubscriptionRow.id) == subscription_id)
    )
    async with sessions() as session:
        return (await session.exec(stmt)).first()


async def remove(
    sessions: Sessions, escalation_id: str, subscription_id: str, removed_by: str
) -> bool:
    """Mark the subscription removed; return False when it was not active (already gone)."""
    stmt = (
        update(SubscriptionRow)
        .where(*_active(escalation_id))
        .where(col(SubscriptionRow.id) == subscription_id)
        .values(removed_at=datetime.now(UTC), removed_by=removed_by)
    )
    async with sessions() as session:
        result = await session.exec(stmt)
        await session.commit()
        return bool(result.rowcount)

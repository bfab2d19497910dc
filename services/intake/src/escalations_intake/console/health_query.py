"""Read the rows the team health page aggregates (``health_data`` does the sums).

Four reads for one team, each a plain list of rows: the owners of its open escalations,
its people's graphic stamps (``router_person_load``), the pager pages sent to its people
in the last 7 days (the notifier's ledger, ``deliveries``), and its escalations received
in the last 30 days with their deadlines (docs/console.md, "Team health").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import col

from escalations.contracts.events import Status
from escalations.core.config_people import Channel
from escalations.db.models import DeliveryRow, EscalationRow
from escalations.db.models_router import PersonLoadRow
from escalations_intake.console.health_data import PERIODS, SlaRow
from escalations_intake.db import Sessions

SENT = "sent"
# Deliveries that close a page rather than raise one (docs/architecture.md, notifier).
NOT_PAGES = ("escalation.acknowledged", "escalation.resolved")
PAGES_DAYS = 7


@dataclass(frozen=True, slots=True)
class HealthRows:
    """Everything the health page reads about one team."""

    owners: dict[str, int]
    graphic_at: dict[str, list[datetime]]
    pages: list[tuple[str, datetime]]
    sla: list[SlaRow]


async def health_rows(
    sessions: Sessions, team: str, people: Sequence[str], now: datetime
) -> HealthRows:
    """Return the rows of ``team`` (and of ``people``, its members) as of ``now``."""
    esc, load, delivery = EscalationRow, PersonLoadRow, DeliveryRow
    sent_at = func.coalesce(col(delivery.sent_at), col(delivery.created_at))
    owners_stmt = (
        select(col(esc.owner), func.count())
        .where(
            col(esc.team) == team,
            col(esc.status) != Status.RESOLVED.value,
            col(esc.owner).is_not(None),
        )
        .group_by(col(esc.owner))
    )
    graphic_stmt = select(col(load.person), col(load.graphic_at)).where(
        col(load.person).in_(list(people))
    )
    pages_stmt = select(col(delivery.recipient), sent_at).where(
        col(delivery.channel) == Channel.PAGERDUTY.value,
        col(delivery.status) == SENT,
        col(delivery.recipient).in_(list(people)),
        func.coalesce(col(delivery.event_type), "").not_in(NOT_PAGES),
        sent_at > now - timedelta(days=PAGES_DAYS),
        sent_at <= now,
    )
    sla_stmt = select(
        col(esc.tier),
        col(esc.received_at),
        col(esc.acknowledge_by),
        col(esc.acknowledged_at),
        col(esc.resolve_by),
        col(esc.resolved_at),
    ).where(col(esc.team) == team, col(esc.received_at) >= now - timedelta(days=max(PERIODS)))
    async with sessions() as session:
        conn = await session.connection()
        owners = {str(owner): int(count) for owner, count in await conn.execute(owners_stmt)}
        graphic = {
            person: [datetime.fromisoformat(stamp) for stamp in stamps]
            for person, stamps in await conn.execute(graphic_stmt)
        }
        pages = [(recipient, at) for recipient, at in await conn.execute(pages_stmt)]
        sla = [SlaRow(*row) for row in await conn.execute(sla_stmt)]
    return HealthRows(owners=owners, graphic_at=graphic, pages=pages, sla=sla)

"""Seed data of the console benchmark: open escalations as the router stores them.

Each escalation is decided by the router's own domain (``on_received`` with the demo
configuration), at an instant spread over the last three days, so its tier, score and
reasons, team, owner, assignment record, policy snapshot and deadlines are what the router
would have written. Then, as time would have done: some are acknowledged, some unacknowledged
ones past their deadline escalated to level 2 (with ``paged``), some resolved. History rows
follow each change and the notifier's ledger gets a few deliveries per escalation.
``copy_in`` writes everything with COPY (docs/performance.md, "Console").
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import astuple, dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import orjson

from escalations.contracts.events import EscalationReceived, Status
from escalations.core.access import roles_of
from escalations.core.config import Config
from escalations.core.escalation import EscalationIn, PolicyArea, SourceKind
from escalations_router.domain.core_decider import CoreDecider
from escalations_router.domain.duty import StoredSchedule
from escalations_router.domain.records import Escalation
from escalations_router.domain.state import on_received
from escalations_router.postgres.db import dsn

WINDOW = timedelta(days=3)
# Weights: most reports are routine; the restricted areas (child_safety, ncii) are a tenth.
AREAS = dict.fromkeys(PolicyArea, 1.0) | {
    PolicyArea.HARASSMENT: 4.0, PolicyArea.HATE_SPEECH: 4.0, PolicyArea.SPAM: 4.0,
    PolicyArea.SCAMS_FRAUD: 3.0, PolicyArea.CHILD_SAFETY: 2.5, PolicyArea.NCII: 1.5,
}  # fmt: skip
KINDS = {
    SourceKind.USER_REPORT: 8, SourceKind.INTERNAL_TOOL: 4, SourceKind.TRUSTED_FLAGGER: 2,
    SourceKind.MONITORING: 2, SourceKind.REGULATOR: 1, SourceKind.LAW_ENFORCEMENT: 1,
    SourceKind.PRESS: 1, SourceKind.LEGAL: 1,
}  # fmt: skip
IMMINENCE = {"none": 80, "possible": 10, "likely": 7, "imminent_specific": 3}
REGIMES = {"none": 85, "dsa_notice": 5, "netzdg_manifestly_unlawful": 4, "terreg_removal_order": 2,
           "law_enforcement_request": 2, "esafety_removal_notice": 2}  # fmt: skip
REGIONS = ("IE", "GB", "DE", "FR", "ES", "US", "AU", "PL")
WORDS = ("account", "video", "comment", "group", "listing", "message", "profile", "live stream")
CHANNELS = ("email", "slack", "pagerduty", "webhook")
OUTCOMES = {"sent": 85, "failed": 8, "dead_lettered": 2, "retrying": 5}
HISTORY = ("escalation_id", "at", "actor", "action", "from_status", "to_status", "reason")
DELIVERY = ("event_id", "recipient", "channel", "escalation_id", "status", "attempts",
            "last_error", "created_at", "updated_at", "sent_at", "event_type", "event_time",
            "body")  # fmt: skip


@dataclass
class Seed:
    """Rows to store: escalations, their history and the notifier's deliveries."""

    escalations: list[Escalation] = field(default_factory=list)
    history: list[tuple[Any, ...]] = field(default_factory=list)
    deliveries: list[tuple[Any, ...]] = field(default_factory=list)

    @property
    def open_ids(self) -> list[str]:
        """Return the ids of the open escalations."""
        return [e.id for e in self.escalations if e.status != Status.RESOLVED.value]


def _pick(rng: random.Random, weights: dict[Any, float] | dict[Any, int]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _request(rng: random.Random, n: int) -> EscalationIn:
    area = _pick(rng, AREAS)
    regime = _pick(rng, REGIMES)
    return EscalationIn(
        external_id=f"case-{n:06d}",
        title=f"{rng.choice(WORDS).capitalize()} reported for {area.value.replace('_', ' ')} #{n}",
        description="Seeded by the console benchmark. " * rng.randint(1, 8),
        policy_area=area,
        region=rng.choice(REGIONS),
        language="en",
        reach={"impressions_24h": rng.choice([0, 120, 5_000, 80_000]), "followers": 300},
        signals={"imminence": _pick(rng, IMMINENCE), "graphic": rng.random() < 0.15},
        regulatory={"regime": regime},
        content_refs=[{"kind": "post", "id": str(n), "url": f"https://example.com/p/{n}"}],
    )


def team_members(config: Config) -> dict[str, list[str]]:
    """Return each team's members and leads (the people a level-2 page reaches)."""
    found: dict[str, list[str]] = {team: [] for team in config.teams_by_id}
    for person in config.people:
        roles = roles_of(config, person.id)
        for team in roles.teams | roles.leads:
            found[team].append(person.id)
    return found


def build(config: Config, opened: int, resolved: int, now: datetime, seed: int = 7) -> Seed:
    """Return ``opened`` open and ``resolved`` resolved escalations with history and deliveries."""
    rng = random.Random(seed)
    decider = CoreDecider(config).bind(StoredSchedule())
    members = team_members(config)
    out = Seed()
    for n in range(opened + resolved):
        at = now - WINDOW * rng.random() ** 1.5  # more of them recent
        event = EscalationReceived(
            escalation_id=str(uuid.uuid4()),
            source=f"source-{rng.randint(1, 12)}",
            source_kind=_pick(rng, KINDS),
            received_at=at - timedelta(seconds=rng.randint(1, 90)),
            request=_request(rng, n),
        )
        outcome = on_received(None, event, decider, at)
        row = outcome.row
        assert row is not None
        out.history += [_change(row.id, at, c.actor, c.action, c.from_status, c.to_status,
                                c.reason) for c in outcome.changes]  # fmt: skip
        _age(rng, row, members, now, out, resolve=n >= opened)
        out.deliveries += _deliveries(rng, row, at)
        out.escalations.append(row)
    return out


def _change(esc_id: str, at: datetime, actor: str, action: str, *statuses: Any) -> tuple[Any, ...]:
    before, after, reason = statuses
    return (esc_id, at, actor, action, before and str(before), after and str(after), reason)


def _age(
    rng: random.Random,
    row: Escalation,
    members: dict[str, list[str]],
    now: datetime,
    out: Seed,
    *,
    resolve: bool,
) -> None:
    """Move a new escalation on as the time since it arrived would have."""
    at, deadline = row.created_at, row.acknowledge_by
    status = row.status
    if row.owner and (resolve or rng.random() < 0.35):
        at = at + (now - at) * rng.random() * 0.5
        row.status, row.acknowledged_at, row.updated_at = "acknowledged", at, at
        out.history.append(_change(row.id, at, row.owner, "acknowledged", status,
                                   "acknowledged", "via console"))  # fmt: skip
    elif row.team and deadline is not None and deadline < now:
        paged = rng.sample(members[row.team], min(2, len(members[row.team])))
        row.level, row.status, row.updated_at = 2, "escalated", deadline
        row.assignment = {**(row.assignment or {}), "paged": sorted(paged)}
        reason = f"not acknowledged in time: paging level 2 (round 1): {', '.join(paged)}"
        out.history.append(_change(row.id, deadline, "router", "sla_breached", status, status,
                                   "acknowledge deadline passed"))  # fmt: skip
        out.history.append(_change(row.id, deadline, "router", "escalated", status,
                                   "escalated", reason))  # fmt: skip
    if resolve:
        done = at + (now - at) * rng.random()
        out.history.append(_change(row.id, done, row.owner or "router", "resolved",
                                   row.status, "resolved", "actioned: removed"))  # fmt: skip
        row.status, row.resolved_at, row.updated_at = "resolved", done, done


def _deliveries(rng: random.Random, row: Escalation, at: datetime) -> list[tuple[Any, ...]]:
    """Return the ledger rows of the owner's notification (none if nobody was assigned)."""
    if row.owner is None:
        return []
    found = []
    event_id = str(uuid.uuid4())
    for channel in rng.sample(CHANNELS, rng.randint(1, 3)):
        status = _pick(rng, OUTCOMES)
        sent = at + timedelta(milliseconds=rng.randint(20, 900))
        error = None if status == "sent" else "HTTP 503 from the endpoint"
        body = {"title": row.title, "tier": row.tier, "team": row.team}
        found.append((event_id, row.owner, channel, row.id, status, rng.randint(1, 3), error, at,
                      sent, sent if status == "sent" else None, "escalation.assigned", at,
                      orjson.dumps(body).decode()))  # fmt: skip
    return found


async def copy_in(database_url: str, seed: Seed) -> None:
    """Write the seed with COPY in one transaction, then ANALYZE the tables it filled."""
    names = [f.name for f in fields(Escalation)]
    jsonb = {"request", "priority", "assignment", "policy_snapshot", "report_fingerprints"}

    def record(row: Escalation) -> Sequence[Any]:
        return [
            orjson.dumps(v).decode() if name in jsonb and v is not None else v
            for name, v in zip(names, astuple(row), strict=True)
        ]

    connection = await asyncpg.connect(dsn(database_url))
    try:
        async with connection.transaction():
            escalations = [record(row) for row in seed.escalations]
            await connection.copy_records_to_table("escalations", records=escalations,
                                                   columns=names)  # fmt: skip
            await connection.copy_records_to_table(
                "escalation_history", records=seed.history, columns=HISTORY
            )
            await connection.copy_records_to_table(
                "deliveries", records=seed.deliveries, columns=DELIVERY
            )
        await connection.execute("ANALYZE escalations, escalation_history, deliveries")
    finally:
        await connection.close()

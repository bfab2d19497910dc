"""Loading stakeholder context and stakeholder addresses from Postgres (read only).

One query per table per batch (``= ANY(...)``), on tables the router and the intake write
(docs/notifier.md, "Stakeholder context"); the notifier writes only its ledger.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from escalations.db.held import HeldConnections
from escalations_notifier.context import (
    Callback,
    Request,
    StakeholderContext,
    Subscription,
    email_address,
    request_of,
)
from escalations_notifier.ledger import CONCURRENT_CLAIMS

# A batch's whole context in one round trip on a held connection (``db/held.py``), rows
# tagged by what they are: the requests' parts planning reads (not their description or
# content references, which can be large), the live subscriptions, the sources' callbacks.
CONTEXT = """
SELECT 'request', id, jsonb_build_object(
  'external_id', request->'external_id', 'regulatory', request->'regulatory',
  'signals', request->'signals', 'reporter', request->'reporter')
FROM escalations WHERE id = ANY($1::text[])
UNION ALL
SELECT 'subscription', escalation_id, jsonb_build_object(
  'id', id, 'kind', kind, 'target', target, 'at', extract(epoch FROM created_at))
FROM escalation_subscriptions WHERE escalation_id = ANY($1::text[]) AND removed_at IS NULL
UNION ALL
SELECT 'callback', source, jsonb_build_object('url', url, 'email', email)
FROM source_callbacks WHERE source = ANY($2::text[])
"""
CALLBACKS = text(
    "SELECT source, url, email FROM source_callbacks WHERE source = ANY(CAST(:ids AS text[]))"
)
# Retries look live rows up by their own key: a removed subscription finds nothing.
SUBSCRIPTION_TARGETS = text("""
SELECT id, kind, target FROM escalation_subscriptions
WHERE id = ANY(CAST(:ids AS text[])) AND removed_at IS NULL
""")
REPORTERS = text("""
SELECT id, request->'reporter'->>'contact' FROM escalations
WHERE id = ANY(CAST(:ids AS text[]))
""")


class ContextLoader:
    """Reads what stakeholder planning and stakeholder retries need, a batch per query."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._held = HeldConnections(engine, CONCURRENT_CLAIMS)

    async def close(self) -> None:
        """Close the connections the loader holds (the engine's pool is the caller's)."""
        await self._held.close()

    async def load(self, escalations: Iterable[str], sources: Iterable[str]) -> StakeholderContext:
        """Return the requests and live subscriptions of escalations, and sources' callbacks."""
        ids, names = sorted(set(escalations)), sorted(set(sources))
        if not ids and not names:
            return StakeholderContext()
        requests: dict[str, Request] = {}
        subscriptions: defaultdict[str, list[tuple[float, Subscription]]] = defaultdict(list)
        callbacks: dict[str, Callback] = {}
        for kind, key, raw in await self._held.fetch(CONTEXT, ids, names):
            # SQLAlchemy's asyncpg dialect decodes JSON itself; a bare connection would not.
            data = raw if isinstance(raw, dict) else orjson.loads(raw)
            if kind == "request":
                requests[key] = request_of(data)
            elif kind == "subscription":
                sub = Subscription(data["id"], data["kind"], data["target"])
                subscriptions[key].append((float(data["at"]), sub))
            else:
                callbacks[key] = Callback(data["url"] or None, email_address(data["email"]))
        ordered = {
            key: tuple(sub for _, sub in sorted(subs, key=lambda pair: (pair[0], pair[1].id)))
            for key, subs in subscriptions.items()
        }
        return StakeholderContext(requests, ordered, callbacks)

    async def subscriptions(self, ids: Iterable[str]) -> dict[str, Subscription]:
        """Return the live subscriptions among ``ids`` (a retry's look-up)."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        async with self._engine.connect() as conn:
            rows = await conn.execute(SUBSCRIPTION_TARGETS, {"ids": wanted})
            return {sub_id: Subscription(sub_id, kind, target) for sub_id, kind, target in rows}

    async def callbacks(self, sources: Iterable[str]) -> dict[str, Callback]:
        """Return the status callbacks of ``sources`` that are still registered."""
        wanted = sorted(set(sources))
        if not wanted:
            return {}
        async with self._engine.connect() as conn:
            rows = await conn.execute(CALLBACKS, {"ids": wanted})
            return {s: Callback(url or None, email_address(email)) for s, url, email in rows}

    async def reporters(self, escalations: Iterable[str]) -> dict[str, str]:
        """Return the reporter e-mail address of each escalation that has one."""
        wanted = sorted(set(escalations))
        if not wanted:
            return {}
        async with self._engine.connect() as conn:
            rows = await conn.execute(REPORTERS, {"ids": wanted})
            found = {row_id: email_address(contact) for row_id, contact in rows}
        return {k: v for k, v in found.items() if v}

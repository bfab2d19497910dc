"""Loading stakeholder context and stakeholder addresses from Postgres (read only).

One query per table per batch (``= ANY(...)``), on tables the router and the intake write
(docs/notifier.md, "Stakeholder context"); the notifier writes only its ledger.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from escalations_notifier.context import (
    Callback,
    StakeholderContext,
    Subscription,
    email_address,
    request_of,
)

# Only the request's parts planning reads (``context.request_of``), not its description or
# content references, which can be large.
REQUESTS = text("""
SELECT id, jsonb_build_object(
  'external_id', request->'external_id', 'regulatory', request->'regulatory',
  'signals', request->'signals', 'reporter', request->'reporter')
FROM escalations WHERE id = ANY(CAST(:ids AS text[]))
""")
SUBSCRIPTIONS = text("""
SELECT id, escalation_id, kind, target FROM escalation_subscriptions
WHERE escalation_id = ANY(CAST(:ids AS text[])) AND removed_at IS NULL
ORDER BY created_at, id
""")
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

    async def load(self, escalations: Iterable[str], sources: Iterable[str]) -> StakeholderContext:
        """Return the requests and live subscriptions of escalations, and sources' callbacks."""
        ids, names = sorted(set(escalations)), sorted(set(sources))
        if not ids and not names:
            return StakeholderContext()
        subscriptions: defaultdict[str, list[Subscription]] = defaultdict(list)
        async with self._engine.connect() as conn:
            requests = {
                row_id: request_of(request)
                for row_id, request in await conn.execute(REQUESTS, {"ids": ids})
            }
            for sub_id, escalation_id, kind, target in await conn.execute(
                SUBSCRIPTIONS, {"ids": ids}
            ):
                subscriptions[escalation_id].append(Subscription(sub_id, kind, target))
            callbacks = {
                source: Callback(url or None, email_address(email))
                for source, url, email in await conn.execute(CALLBACKS, {"ids": names})
            }
        return StakeholderContext(
            requests, {k: tuple(v) for k, v in subscriptions.items()}, callbacks
        )

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

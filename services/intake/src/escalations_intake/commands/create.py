"""The create command: decide where a report goes, publish ``escalation.received``, answer.

The FastAPI route, the create fast path (``fast_paths``) and the integrations all call the
same ``CreateEscalation``, which holds just what a create needs: the publisher, the lookup
of a key's newest escalation, and the ids this worker accepted lately.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Protocol

from escalations.contracts.fast import new_event_id
from escalations.contracts.ids import escalation_id, keyless_id, report_fingerprint
from escalations.core import refire
from escalations.core.escalation import EscalationIn
from escalations.core.refire import Incarnation, Placement
from escalations_intake.auth.api_keys import Principal
from escalations_intake.commands.publish import Publisher
from escalations_intake.fast_paths import received_record
from escalations_intake.views import Accepted

RECENT_IDS = 50_000
Key = tuple[str, str]  # (source, external_id)


class Incarnations(Protocol):
    """Answers "which escalation of this key is the newest?" (``db.incarnations``)."""

    def ask(self, key: Key) -> asyncio.Future[Incarnation | None]:
        """Return a future of the key's newest stored escalation."""
        ...

    async def latest(self, key: Key) -> Incarnation | None:
        """Return the key's newest stored escalation."""
        ...


class RecentIds:
    """Escalation ids this worker accepted lately: repeats are known duplicates at no cost."""

    def __init__(self, size: int = RECENT_IDS) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size

    def __contains__(self, esc_id: object) -> bool:
        return esc_id in self._ids

    def add(self, esc_id: str) -> None:
        """Remember an accepted id, forgetting the oldest past the size."""
        self._ids[esc_id] = None
        self._ids.move_to_end(esc_id)
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)


def keyless(source: str, request_json: str, now: datetime, window_s: int) -> Placement:
    """Return where a report without an external id goes: one id per body and retry window.

    A client retrying after a 503 (the first attempt may be stored) reaches the same
    escalation, where the router does not count it again; the same body in a later window
    opens a new one (docs/refires-and-retries.md, "Retried reports").
    """
    window = int(now.timestamp() // window_s)
    return Placement(keyless_id(source, report_fingerprint(source, request_json), window), 0, False)


@dataclass(frozen=True, slots=True)
class CreateEscalation:
    """Accept a report: publish it where it goes and answer with the escalation id."""

    publisher: Publisher
    incarnations: Incarnations
    recent: RecentIds
    retry_window_s: int

    async def __call__(
        self,
        principal: Principal,
        body: EscalationIn,
        event_id: str | None = None,
        placed: Placement | None = None,
    ) -> Accepted:
        """Publish ``escalation.received``; answer once the broker has it.

        ``placed``: where the report goes, if the caller has looked it up already (it is
        then published there); else it is looked up while the broker takes the report.
        """
        now = datetime.now(UTC)
        event_id = event_id or new_event_id()
        if placed is None and body.external_id is not None:
            key = (principal.source, body.external_id)
            placed = await self._publish_while_looking_up(principal, body, key, event_id, now)
        else:
            request_json = body.model_dump_json()
            placed = placed or keyless(principal.source, request_json, now, self.retry_window_s)
            record = received_record(
                placed.id, principal, body, now, event_id, placed.follows, request_json
            )
            await self.publisher.send(record)
        duplicate = self.is_repeat(placed)
        self.recent.add(placed.id)
        return Accepted(id=placed.id, duplicate=duplicate, follows=placed.follows)

    async def place(self, source: str, external_id: str | None) -> Placement:
        """Return where a report of a key goes, from its newest stored escalation (one lookup).

        Open: the report merges into it. Resolved: it opens the next escalation, which
        follows that one (docs/refires-and-retries.md, "Re-fires"). The router decides again as it
        stores it.
        """
        if external_id is None:
            return Placement(escalation_id(source, None), 0, merge=False)
        latest = await self.incarnations.latest((source, external_id))
        return refire.address(latest, partial(escalation_id, source, external_id))

    async def command_target(self, source: str, external_id: str) -> str:
        """Return the escalation an integration's acknowledge or resolve of a key acts on."""
        latest = await self.incarnations.latest((source, external_id))
        return refire.command_target(latest, partial(escalation_id, source, external_id))

    def is_repeat(self, placed: Placement) -> bool:
        """Return whether a report repeats one already accepted (stored, or here lately)."""
        return placed.merge or placed.id in self.recent

    async def _publish_while_looking_up(
        self, principal: Principal, body: EscalationIn, key: Key, event_id: str, now: datetime
    ) -> Placement:
        """Publish a report to its key's generation 0 while its newest escalation is looked up.

        The router walks on from generation 0 to where the report goes, so the lookup adds
        no latency. A re-fire is published once more, with the same event id (applied
        once), keyed by the new escalation: commands about it then queue behind it on its
        partition (docs/refires-and-retries.md, "Re-fires").
        """
        id_of = partial(escalation_id, *key)
        lookup = self.incarnations.ask(key)
        try:
            await self.publisher.send(received_record(id_of(0), principal, body, now, event_id))
        except BaseException:
            lookup.cancel()
            raise
        placed = refire.address(await lookup, id_of)
        if placed.follows is not None:
            record = received_record(placed.id, principal, body, now, event_id, placed.follows)
            await self.publisher.send(record)
        return placed

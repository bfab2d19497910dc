"""Turning a fetched batch into deliveries: decode, plan, claim in the ledger, then deliver.

The loop that feeds it (fetching, overlapping claims, committing offsets) is consumer.py.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from escalations.contracts.codec import parse_payload
from escalations.contracts.envelope import Envelope, EnvelopeError, decode
from escalations.kafka import KafkaRecord
from escalations.logs import log_context
from escalations_notifier import metrics
from escalations_notifier.context import EMPTY, StakeholderContext
from escalations_notifier.context_db import ContextLoader
from escalations_notifier.deliver import Attempt, Deliverer
from escalations_notifier.ledger import CLOSING_EVENTS, Key, Ledger
from escalations_notifier.plan import Plan, Planner
from escalations_notifier.stakeholders import concerns_stakeholders

log = logging.getLogger(__name__)
Record = KafkaRecord


@dataclass(frozen=True)
class _Event:
    envelope: Envelope
    payload: BaseModel


def _decode(record: Record) -> _Event | None:
    try:
        envelope = decode(record.value)
        return _Event(envelope, parse_payload(envelope))
    except EnvelopeError as exc:
        # The router's relay wrote it, so this is a producer bug: say so loudly.
        key = record.key.decode(errors="replace") if record.key else None
        log.error(
            "skipping undecodable event: %s",
            exc,
            extra={"offset": record.offset, "escalation_id": key},
        )
        return None


def _escalations(event: _Event) -> set[str]:
    """Return the escalation ids an event's ledger rows and lookups can touch."""
    summary = getattr(event.payload, "escalation", None)
    ids = {event.envelope.subject or ""}
    if summary is not None:
        ids.add(summary.id)
    return ids


def no_longer_needed(event: _Event) -> str:
    """Return why a held message of this closing event's escalation is not sent."""
    what = "acknowledged" if event.envelope.type == "escalation.acknowledged" else "resolved"
    by = getattr(event.payload, "by", None) or "unknown"
    return f"no longer needed: {what} at {event.envelope.time.isoformat()} by {by}"


@dataclass(frozen=True)
class Prepared:
    """A fetched batch, decoded; ``escalations`` are those its claim reads and writes."""

    events: list[_Event]
    escalations: frozenset[str]


@dataclass(frozen=True)
class ClaimedBatch:
    """A claimed batch: the messages to send, and those queued behind older ones.

    ``plans``: the responders' plan of each event (by position in the batch), which the
    stakeholder messages claimed after them must not repeat.
    """

    attempts: list[Attempt]
    blocked: frozenset[Key]
    plans: tuple[Plan, ...] = ()


class Notifier:
    """Turns a batch of router events into deliveries."""

    def __init__(
        self,
        planner: Planner,
        ledger: Ledger,
        deliverer: Deliverer,
        context: ContextLoader | None = None,
    ) -> None:
        self._planner = planner
        self._ledger = ledger
        self._deliverer = deliverer
        self._context = context

    async def handle(self, records: Sequence[Record]) -> None:
        """Deliver everything a batch of events asks for (records in partition order)."""
        prepared = self.prepare(records)
        claimed = await self.claim(prepared)
        await self.deliver(claimed)
        await self.deliver(await self.claim_stakeholders(prepared, claimed))

    def prepare(self, records: Sequence[Record]) -> Prepared:
        """Decode a batch (records in partition order); skip what cannot be decoded."""
        events = [e for e in map(_decode, records) if e is not None]
        escalations: set[str] = set()
        for event in events:
            escalations |= _escalations(event)
        return Prepared(events, frozenset(escalations))

    async def claim(self, prepared: Prepared, again: bool = False) -> ClaimedBatch:
        """Plan a batch's responder messages and write their ledger rows; return what to send.

        Stakeholders come after, in ``claim_stakeholders``: their look-ups never delay a page
        (docs/notifier.md, "Stakeholder context"). ``again``: an earlier try failed with an
        unknown outcome (see ``Ledger.claim``).
        """
        events = prepared.events
        opening = [e for e in events if e.envelope.type not in CLOSING_EVENTS]
        closing = [e for e in events if e.envelope.type in CLOSING_EVENTS]
        # Claim the batch's pages first, so a close in the same batch finds them.
        plans = {id(e): self._plan(e) for e in opening}
        claimed = [await self._claim(plans.values(), again)]
        if closing:
            await self._drop_held(closing)
            paged = await self._ledger.paged(e.envelope.subject or "" for e in closing)
            for e in closing:
                plans[id(e)] = self._plan(e, paged.get(e.envelope.subject or "", []))
            claimed.append(await self._claim((plans[id(e)] for e in closing), again))
        owned: frozenset[Key] = frozenset().union(*(c[0] for c in claimed))
        blocked: frozenset[Key] = frozenset().union(*(c[1] for c in claimed))
        attempts = [Attempt(m) for e in events for m in plans[id(e)].messages if m.key in owned]
        return ClaimedBatch(attempts, blocked, tuple(plans[id(e)] for e in events))

    async def claim_stakeholders(
        self, prepared: Prepared, responders: ClaimedBatch, again: bool = False
    ) -> ClaimedBatch:
        """Plan and claim the batch's stakeholder messages, after its responders' ones.

        Requesters, subscribers, team notes, reminders, handoff packets and digests; the
        context they need is read once for the batch (``context_db``).
        """
        events = prepared.events
        context = await self._load_context(events)
        plans = [
            self._stakeholders(e, context, responders.plans[i] if responders.plans else None)
            for i, e in enumerate(events)
        ]
        owned, blocked = await self._claim(plans, again)
        attempts = [Attempt(m) for p in plans for m in p.messages if m.key in owned]
        return ClaimedBatch(attempts, blocked)

    async def deliver(self, claimed: ClaimedBatch) -> None:
        """Send what a batch claimed and record the outcomes."""
        await self._deliverer.run(claimed.attempts, claimed.blocked)

    async def _load_context(self, events: Sequence[_Event]) -> StakeholderContext:
        """Load the stakeholder context of a batch: one query per table (context_db.py)."""
        summaries = [
            e.payload.escalation  # type: ignore[attr-defined]
            for e in events
            if concerns_stakeholders(e.payload)
        ]
        if self._context is None or not summaries:
            return EMPTY
        return await self._context.load((s.id for s in summaries), (s.source for s in summaries))

    def _plan(self, event: _Event, paged: Iterable[tuple[str, str]] = ()) -> Plan:
        """Plan one event's responders; what it logs carries the event's ids."""
        envelope = event.envelope
        with log_context(escalation_id=envelope.subject, event_id=envelope.id):
            return _logged(self._planner.responders(envelope, event.payload, paged))

    def _stakeholders(
        self, event: _Event, context: StakeholderContext, responders: Plan | None
    ) -> Plan:
        """Plan one event's stakeholders; what it logs carries the event's ids."""
        envelope = event.envelope
        with log_context(escalation_id=envelope.subject, event_id=envelope.id):
            return _logged(self._planner.stakeholders(envelope, event.payload, context, responders))

    async def _claim(
        self, plans: Iterable[Plan], again: bool
    ) -> tuple[frozenset[Key], frozenset[Key]]:
        plan_list = list(plans)
        messages = [m for p in plan_list for m in p.messages]
        held = [(h.message, h.reason, h.release_at) for p in plan_list for h in p.held]
        ledger = self._ledger
        claimed = await (
            ledger.claim(messages, held, again=True) if again else ledger.claim(messages, held)
        )
        for m in messages:
            if m.key not in claimed.owned:
                metrics.count(m.channel, "duplicate_skipped")
        for m, _, _ in held:
            if m.key in claimed.held:
                metrics.count(m.channel, "held_quiet_hours")
        return claimed.owned, claimed.blocked

    async def _drop_held(self, closing: Sequence[_Event]) -> None:
        """Record held messages of acknowledged or resolved escalations as no longer needed."""
        reasons: dict[str, str] = {}
        for e in closing:  # the first close of an escalation in the batch is the reason
            reasons.setdefault(e.envelope.subject or "", no_longer_needed(e))
        for _, _, channel in await self._ledger.drop_held(reasons):
            metrics.count(channel, "not_needed")


def _logged(plan: Plan) -> Plan:
    """Log the planned channels that cannot be used (docs/operations.md); return the plan."""
    for recipient, channel in plan.unavailable:
        # An unknown person is a configuration error; a channel without an adapter (say,
        # e-mail without an SMTP host) is a deployment choice.
        level = logging.WARNING if channel == "unknown person" else logging.INFO
        log.log(level, "cannot notify %s via %s", recipient, channel)
    return plan

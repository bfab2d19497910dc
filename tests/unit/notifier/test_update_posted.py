"""``escalation.update_posted`` is accepted and planned to nobody, for now.

Delivering updates to their audience is a later step (docs/contract/events.md,
"escalation.update_posted"); until then the notifier decodes the event, plans no message,
claims nothing and parks nothing: no error and no dead letter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from escalations.contracts.envelope import Envelope, encode
from escalations.contracts.updates import Audience, UpdatePosted
from escalations.core.escalation import Tier
from escalations_notifier.batch import Notifier
from escalations_notifier.channels import Message
from escalations_notifier.ledger import Claimed, Key

from .fixtures import ESCALATION_ID, NOW, event, planner, summary


class Record:
    """A consumed record holding an event."""

    def __init__(self, envelope: Envelope) -> None:
        self.value = encode(envelope)
        self.key = ESCALATION_ID.encode()
        self.offset, self.partition, self.topic = 1, 0, "escalations.events.v1"


class RecordingLedger:
    """Records every claim; nothing is ever paged or held."""

    def __init__(self) -> None:
        self.claims: list[tuple[list[Message], list[tuple[Message, str, datetime]]]] = []

    async def claim(
        self, messages: Sequence[Message], held: Sequence[tuple[Message, str, datetime]]
    ) -> Claimed:
        self.claims.append((list(messages), list(held)))
        return Claimed(frozenset(m.key for m in messages), frozenset(), frozenset())

    async def paged(self, ids: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
        return {i: [] for i in ids}

    async def drop_held(self, reasons: Mapping[str, str]) -> list[Key]:
        return []


def _posted(tier: Tier = Tier.P0) -> UpdatePosted:
    return UpdatePosted(
        escalation=summary(tier=tier),
        update_id="u-1",
        audience=Audience.STAKEHOLDERS,
        text="Removed in IE",
        by="ana",
        at=NOW,
    )


def test_the_plan_of_an_update_is_empty() -> None:
    """No recipient, no team chat (even at P0), nothing unavailable to report."""
    posted = _posted()
    plan = planner().plan(event(posted), posted)
    assert ([], [], []) == (plan.messages, plan.held, plan.unavailable)


async def test_an_update_is_decoded_and_claims_no_delivery() -> None:
    """The batch keeps the event (decoded, not skipped) and claims no message for it."""
    ledger = RecordingLedger()
    notifier = Notifier(planner(), ledger, None)  # type: ignore[arg-type]  # nothing to deliver
    prepared = notifier.prepare([Record(event(_posted()))])
    claimed = await notifier.claim(prepared)
    assert ["escalation.update_posted"] == [e.envelope.type for e in prepared.events]
    assert ([], frozenset()) == (claimed.attempts, claimed.blocked)
    assert all(messages == [] and held == [] for messages, held in ledger.claims)

"""The notifier's log lines about an event carry its escalation id and event id."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from escalations.contracts.envelope import Envelope, encode
from escalations.contracts.events import EscalationAssigned
from escalations_notifier.batch import Notifier
from escalations_notifier.channels import DeliveryError, Message
from escalations_notifier.deliver import Attempt
from escalations_notifier.ledger import Claimed
from tests.fakes.notifier import FakeChannel, FakeLedger
from tests.unit.jsonlines import json_lines

from .fixtures import ESCALATION_ID, event, planner, summary
from .test_deliver import deliverer, message

adapter_log = logging.getLogger("tests.adapter")


class ChattyChannel(FakeChannel):
    """An adapter that logs while it sends (as an HTTP client library would)."""

    async def send(self, message: Message) -> None:
        await asyncio.sleep(0)  # let the other escalation's send interleave
        adapter_log.info("posting to the receiver")
        await super().send(message)


async def test_lines_logged_while_sending_carry_the_message_ids() -> None:
    """Two escalations sent at once: each adapter line carries its own message's ids."""
    channel = ChattyChannel()
    sender, _, _, _ = deliverer(channel)
    with json_lines() as lines:
        await sender.run([Attempt(message("e1", "x1")), Attempt(message("e2", "x2"))])
    found = {(line["escalation_id"], line["event_id"]) for line in lines.with_msg("posting")}
    assert {("x1", "e1"), ("x2", "e2")} == found


async def test_a_parked_delivery_logs_its_ids() -> None:
    """A permanent failure's line carries the escalation id, event id and channel."""
    failing = FakeChannel([DeliveryError("webhook answered 410 <b>gone</b>", retryable=False)])
    sender, _, _, _ = deliverer(failing)
    with json_lines() as lines:
        await sender.run([Attempt(message("e9", "x9"))])
    (parked,) = lines.with_msg("delivery parked")
    assert ("x9", "e9", "webhook") == (
        parked["escalation_id"],
        parked["event_id"],
        parked["channel"],
    )
    assert "<b>gone</b>" in parked["msg"]  # logged as data: JSON escapes nothing it must not


async def test_planning_an_event_for_an_unknown_person_logs_its_ids() -> None:
    """A configuration that lost the owner: the warning names the event it is about."""
    assigned = event(EscalationAssigned(escalation=summary(), owner="ghost", team="desk"))
    notifier = Notifier(planner(), FakeLedgerClaims(), deliverer(FakeChannel())[0])
    with json_lines() as lines:
        prepared = notifier.prepare([Record(assigned)])
        await notifier.claim(prepared)
    (line,) = lines.with_msg("cannot notify ghost")
    assert ("warning", ESCALATION_ID, assigned.id) == (
        line["level"],
        line["escalation_id"],
        line["event_id"],
    )


async def test_an_undecodable_event_logs_the_escalation_of_its_key() -> None:
    """A record that is not an event names its key's escalation and its offset."""
    notifier = Notifier(planner(), FakeLedgerClaims(), deliverer(FakeChannel())[0])
    with json_lines() as lines:
        assert [] == notifier.prepare([Raw(b"x-7", b"\x00not json")]).events
    (line,) = lines.with_msg("undecodable")
    assert ("error", "x-7", 3) == (line["level"], line["escalation_id"], line["offset"])


class Record:
    """A consumed record holding an event."""

    def __init__(self, envelope: Envelope) -> None:
        self.value = encode(envelope)
        self.key = ESCALATION_ID.encode()
        self.offset, self.partition, self.topic = 1, 0, "escalations.events.v1"


class Raw:
    """A consumed record with arbitrary bytes."""

    def __init__(self, key: bytes, value: bytes) -> None:
        self.value, self.key = value, key
        self.offset, self.partition, self.topic = 3, 0, "escalations.events.v1"


class FakeLedgerClaims(FakeLedger):
    """Claims every message it is given."""

    async def claim(self, messages: Sequence[Message], skipped: Sequence[object]) -> Claimed:
        return Claimed(frozenset(m.key for m in messages), frozenset(), frozenset())

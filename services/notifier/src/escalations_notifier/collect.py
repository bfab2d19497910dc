"""Collecting one event's stakeholder messages: each ledger key and each address once.

Pure. A collector starts from the messages already planned for the event (pages, team
chat), so a person who is paged and also subscribed hears once on each channel, and two
subscriptions that name the same address make one message (docs/notifications.md,
"Stakeholders").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from escalations.contracts.envelope import Envelope
from escalations.core.config import Person
from escalations_notifier.channels import Message

# What stakeholder messages use of a person: never the pager.
PERSON_CHANNELS = ("email", "slack", "teams")


@dataclass
class Collector:
    """The stakeholder messages of one event; ``scope`` is the ledger's escalation id."""

    envelope: Envelope
    scope: str
    available: frozenset[str]
    messages: list[Message] = field(default_factory=list)
    unavailable: list[tuple[str, str]] = field(default_factory=list)
    _keys: set[tuple[str, str, str]] = field(default_factory=set)
    _addresses: set[tuple[str, str]] = field(default_factory=set)

    def already(self, planned: Iterable[Message]) -> None:
        """Count messages planned elsewhere for this event as sent by this plan."""
        for message in planned:
            self._keys.add(message.key)
            self._addresses.add((message.channel, message.address))

    def add(self, recipient: str, channel: str, address: str, body: dict[str, Any]) -> bool:
        """Plan one message unless its key or address is planned already; True if planned."""
        if channel not in self.available:
            self.unavailable.append((recipient, channel))
            return False
        envelope = self.envelope
        key = (envelope.id, recipient, channel)
        if key in self._keys or (channel, address) in self._addresses:
            return False
        self._keys.add(key)
        self._addresses.add((channel, address))
        self.messages.append(
            Message(
                envelope.id,
                envelope.type,
                self.scope,
                recipient,
                channel,
                address,
                body,
                envelope.time,
            )
        )
        return True

    def reachable(self, person: Person, channels: Iterable[str]) -> list[tuple[str, str]]:
        """Return (channel, address) for each of ``channels`` the person has and we can use."""
        found = []
        for channel in channels:
            address = getattr(person.contacts, channel, None)
            if address is not None and channel in self.available:
                found.append((channel, str(address)))
        return found

"""The ledger's recipient ids for stakeholders (docs/notifications.md, "Recipient ids").

A person is their id (so a person who is also paged shares the ledger key and hears once);
a team channel is ``team:<team>``; everyone else gets a stable id from which a retry finds
the address again: ``sub:<subscription id>``, ``source:<source>``, ``reporter:<escalation
id>``, ``rule:<rule name>:<index in to>``. Every id fits the ledger's 100 characters.
"""

from __future__ import annotations

import uuid

SUB = "sub:"
SOURCE = "source:"
REPORTER = "reporter:"
RULE = "rule:"
# The ledger's escalation_id column holds 36 characters (a UUID).
SCOPE_MAX = 36
_SCOPES = uuid.UUID("5f0f3c1e-8a51-4c77-9d1e-3b1c2f6a7d40")


def scope(text: str) -> str:
    """Return a ledger escalation id for a non-escalation stream (a handoff, a team's digest).

    The text itself when it fits, else a UUIDv5 of it (stable, so the stream stays one).
    """
    return text if len(text) <= SCOPE_MAX else str(uuid.uuid5(_SCOPES, text))


def rule_recipient(rule: str, index: int) -> str:
    """Return the id of the ``index``-th non-person recipient of a subscription rule."""
    return f"{RULE}{rule}:{index}"


def parse_rule(recipient: str) -> tuple[str, int] | None:
    """Return (rule name, index) of a ``rule:`` id, or None if it is not one."""
    if not recipient.startswith(RULE):
        return None
    name, _, index = recipient.removeprefix(RULE).rpartition(":")
    return (name, int(index)) if name and index.isdigit() else None

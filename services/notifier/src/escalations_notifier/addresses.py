"""Where a retried or replayed delivery goes now: the configuration, or the stakeholder tables.

People, team channels and rule recipients are looked up in the configuration (the planner);
``sub:``, ``source:`` and ``reporter:`` recipients in Postgres, one query per table per batch
(docs/notifier.md, "Retries of stakeholder messages"). A removed subscription or callback
finds no address: the delivery is parked, as a contact removed from the configuration is.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from escalations_notifier.context import Callback, Subscription
from escalations_notifier.stake_ids import REPORTER, SOURCE, SUB

Want = tuple[str, str]  # (recipient, channel)


class ConfigAddresses(Protocol):
    """The planner's look-up in the configuration."""

    def address(self, recipient: str, channel: str) -> str | None:
        """Return where a recipient is reached on a channel now."""
        ...


class StakeholderRows(Protocol):
    """The adapter's look-ups (context_db.ContextLoader)."""

    async def subscriptions(self, ids: Iterable[str]) -> dict[str, Subscription]:
        """Return live subscriptions by id."""
        ...

    async def callbacks(self, sources: Iterable[str]) -> dict[str, Callback]:
        """Return registered callbacks by source."""
        ...

    async def reporters(self, escalations: Iterable[str]) -> dict[str, str]:
        """Return reporter e-mail addresses by escalation id."""
        ...


def no_address(recipient: str, channel: str) -> str:
    """Say why a delivery has no address now (never naming the address it had)."""
    if recipient.startswith((SUB, SOURCE, REPORTER)):
        return f"no {channel} address for {recipient} any more (removed)"
    return f"no {channel} contact for {recipient} in the configuration"


def _callback_address(callback: Callback | None, channel: str) -> str | None:
    if callback is None:
        return None
    return callback.url if channel == "webhook" else callback.email if channel == "email" else None


class Addresses:
    """Finds the address of each (recipient, channel) of a leased batch."""

    def __init__(self, config: ConfigAddresses, rows: StakeholderRows | None = None) -> None:
        self._config = config
        self._rows = rows

    async def lookup(self, wanted: Iterable[Want]) -> dict[Want, str | None]:
        """Return the address of each (recipient, channel), None where there is none now."""
        wanted = list(dict.fromkeys(wanted))
        subs, sources, reporters = (
            list(dict.fromkeys(r.removeprefix(p) for r, _ in wanted if r.startswith(p)))
            for p in (SUB, SOURCE, REPORTER)
        )
        found_subs: dict[str, Subscription] = {}
        found_callbacks: dict[str, Callback] = {}
        found_reporters: dict[str, str] = {}
        if self._rows is not None:
            found_subs = await self._rows.subscriptions(subs)
            found_callbacks = await self._rows.callbacks(sources)
            found_reporters = await self._rows.reporters(reporters)
        result: dict[Want, str | None] = {}
        for recipient, channel in wanted:
            if recipient.startswith(SUB):
                sub = found_subs.get(recipient.removeprefix(SUB))
                # A person subscription is keyed by the person's id, never ``sub:``.
                result[recipient, channel] = sub.target if sub and sub.kind == channel else None
            elif recipient.startswith(SOURCE):
                callback = found_callbacks.get(recipient.removeprefix(SOURCE))
                result[recipient, channel] = _callback_address(callback, channel)
            elif recipient.startswith(REPORTER):
                contact = found_reporters.get(recipient.removeprefix(REPORTER))
                result[recipient, channel] = contact if channel == "email" else None
            else:
                result[recipient, channel] = self._config.address(recipient, channel)
        return result

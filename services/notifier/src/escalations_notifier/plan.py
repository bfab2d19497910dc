"""Who is notified of an event, through which channels: a pure function of event, config and
the batch's stakeholder context (stakeholders.py plans the people beyond the responders)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel

from escalations.contracts.envelope import Envelope
from escalations.contracts.events import (
    EscalationAcknowledged,
    EscalationAssigned,
    EscalationEscalated,
    EscalationResolved,
    EscalationSummary,
    SlaBreached,
    SlaWarning,
    TierRaised,
)
from escalations.core.config import Config, Person
from escalations.core.escalation import Tier
from escalations.core.quiet import quiet_hours_end
from escalations_notifier.body import Audience, Links, build_body
from escalations_notifier.channels import Message
from escalations_notifier.context import EMPTY, StakeholderContext
from escalations_notifier.stake_ids import parse_rule
from escalations_notifier.stakeholders import plan_stakeholders

# Channels that open something the recipient must close: told when it is acked/resolved.
CLOSABLE = ("pagerduty", "webhook")
# Channels that never wake anyone, so they still go out in quiet hours (never held).
QUIET_CHANNELS = frozenset({"email"})
TEAM_CHAT_TIERS = frozenset({Tier.P0, Tier.P1})
TEAM_CHAT_EVENTS = (EscalationAssigned, EscalationEscalated, SlaBreached)
TEAM_PREFIX = "team:"


@dataclass(frozen=True)
class Held:
    """A message held until the recipient's quiet hours end (``release_at``); in the ledger."""

    message: Message
    reason: str
    release_at: datetime


@dataclass(frozen=True)
class Plan:
    """Messages to send, messages held for later, and planned channels that cannot be used."""

    messages: list[Message] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)
    unavailable: list[tuple[str, str]] = field(default_factory=list)

    def planned(self) -> list[Message]:
        """Return every message planned, sent now or held."""
        return [*self.messages, *(h.message for h in self.held)]


def _unique(people: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p for p in people if p))


def recipients(payload: BaseModel, config: Config) -> tuple[str, ...]:
    """Return the people who must hear about this event (closing events aside)."""
    if isinstance(payload, EscalationAssigned):
        return (payload.owner,)
    if isinstance(payload, EscalationEscalated | TierRaised):
        # A rise reaches the level in progress again (the router names its people).
        return _unique(payload.targets)
    owner = payload.escalation.owner if hasattr(payload, "escalation") else None
    if isinstance(payload, SlaWarning):
        return _unique([owner])
    if isinstance(payload, SlaBreached):
        team = config.teams_by_id.get(payload.escalation.team or "")
        return _unique([owner, team.lead if team else None])
    # A repeat report that raised the tier is told by its ``escalation.tier_raised``.
    return ()


def _owner_name(config: Config, summary: EscalationSummary) -> str | None:
    person = config.people_by_id.get(summary.owner or "")
    return person.name if person else summary.owner


class Planner:
    """Plans the messages of one event; holds the configuration and link settings."""

    def __init__(self, config: Config, available: Iterable[str], links: Links) -> None:
        self._config = config
        self._available = frozenset(available)
        self._links = links
        # The configuration is immutable: work out each person's channels per tier once.
        self._channels: dict[tuple[str, Tier], tuple[str, ...]] = {}

    def use(self, config: Config) -> None:
        """Plan with ``config`` from now on (a reload); retries look addresses up in it too."""
        self._config = config
        self._channels = {}

    def plan(
        self,
        envelope: Envelope,
        payload: BaseModel,
        paged: Iterable[tuple[str, str]] = (),
        context: StakeholderContext = EMPTY,
    ) -> Plan:
        """Return the messages for one event; ``paged`` lists (recipient, channel) already paged.

        Responders first, then stakeholders (``context``: docs/notifications.md,
        "Stakeholders"), who never get a second message on a key or address planned already.
        """
        result = self.responders(envelope, payload, paged)
        extra = self.stakeholders(envelope, payload, context, result)
        result.messages.extend(extra.messages)
        result.unavailable.extend(extra.unavailable)
        return result

    def stakeholders(
        self,
        envelope: Envelope,
        payload: BaseModel,
        context: StakeholderContext,
        responders: Plan | None = None,
    ) -> Plan:
        """Return the stakeholder messages of one event, none repeating a responder's."""
        planned = [] if responders is None else responders.planned()
        extra = plan_stakeholders(
            envelope, payload, self._config, context, self._available, self._links, planned
        )
        return Plan(list(extra.messages), [], list(extra.unavailable))

    def responders(
        self, envelope: Envelope, payload: BaseModel, paged: Iterable[tuple[str, str]] = ()
    ) -> Plan:
        """Return the messages of the people who act on the event, and the team's chat."""
        summary: EscalationSummary | None = getattr(payload, "escalation", None)
        if summary is None:
            return Plan()
        result = Plan()
        if isinstance(payload, EscalationAcknowledged | EscalationResolved):
            for recipient, channel in paged:
                # Stakeholder ids (``sub:``, ``source:``...) opened nothing to close.
                if channel in CLOSABLE and ":" not in recipient:
                    self._add(result, envelope, payload, recipient, channel, quiet=False)
            return result
        for recipient in recipients(payload, self._config):
            person = self._config.people_by_id.get(recipient)
            if person is None:
                result.unavailable.append((recipient, "unknown person"))
                continue
            quiet = summary.tier != Tier.P0 and person.in_quiet_hours(envelope.time)
            for channel in self._channels_for(person, summary.tier):
                self._add(result, envelope, payload, recipient, channel, quiet=quiet)
        self._team_chat(result, envelope, payload, summary)
        return result

    def _channels_for(self, person: Person, tier: Tier) -> tuple[str, ...]:
        channels = self._channels.get((person.id, tier))
        if channels is None:
            channels = tuple(c.value for c in person.channels_for(tier))
            self._channels[person.id, tier] = channels
        return channels

    def _team_chat(
        self, result: Plan, envelope: Envelope, payload: BaseModel, summary: EscalationSummary
    ) -> None:
        team = self._config.teams_by_id.get(summary.team or "")
        if team is None or summary.tier not in TEAM_CHAT_TIERS:
            return
        if not isinstance(payload, TEAM_CHAT_EVENTS):
            return
        audience = Audience(TEAM_PREFIX + team.id, team.name, team_channel=True)
        for channel in ("slack", "teams"):
            address = getattr(team.chat, channel)
            if address is not None:
                self._emit(result, envelope, payload, audience, channel, str(address), None)

    def _add(
        self,
        result: Plan,
        envelope: Envelope,
        payload: BaseModel,
        recipient: str,
        channel: str,
        *,
        quiet: bool,
    ) -> None:
        person = self._config.people_by_id.get(recipient)
        address = getattr(person.contacts, channel, None) if person else None
        if person is None or address is None or channel not in self._available:
            result.unavailable.append((recipient, channel))
            return
        audience = Audience(person.id, person.name, person.timezone)
        reason, release = None, None
        if quiet and channel not in QUIET_CHANNELS and person.quiet_hours is not None:
            hours = person.quiet_hours
            release = quiet_hours_end(hours, person.timezone, envelope.time)
            reason = f"quiet hours {hours.start}-{hours.end} {person.timezone}"
        self._emit(result, envelope, payload, audience, channel, str(address), reason, release)

    def _emit(
        self,
        result: Plan,
        envelope: Envelope,
        payload: BaseModel,
        audience: Audience,
        channel: str,
        address: str,
        hold_reason: str | None,
        release_at: datetime | None = None,
    ) -> None:
        summary: EscalationSummary = payload.escalation  # type: ignore[attr-defined]
        owner = _owner_name(self._config, summary)
        body = build_body(envelope, payload, audience, channel, self._links, owner)
        message = Message(
            envelope.id,
            envelope.type,
            summary.id,
            audience.id,
            channel,
            address,
            body,
            envelope.time,
        )
        if hold_reason is None or release_at is None:
            result.messages.append(message)
        else:
            result.held.append(Held(message, hold_reason, release_at))

    def address(self, recipient: str, channel: str) -> str | None:
        """Return where a recipient is reached on a channel now (for retries and replays)."""
        rule = parse_rule(recipient)
        if recipient.startswith(TEAM_PREFIX):
            team = self._config.teams_by_id.get(recipient.removeprefix(TEAM_PREFIX))
            value = getattr(team.chat, channel, None) if team else None
        elif rule is not None:
            value = self._rule_address(*rule, channel)
        else:
            person = self._config.people_by_id.get(recipient)
            value = getattr(person.contacts, channel, None) if person else None
        return None if value is None else str(value)

    def _rule_address(self, name: str, index: int, channel: str) -> str | None:
        """Return the address of a rule's ``index``-th recipient, if it still is on ``channel``."""
        for rule in self._config.stakeholders.subscriptions:
            if rule.name == name and index < len(rule.to) and rule.to[index].kind == channel:
                return rule.to[index].target
        return None

"""People in the configuration: who they are, what they know, and how to reach them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AnyUrl, BaseModel, Field, UrlConstraints, model_validator

from escalations.core.config_types import (
    FROZEN,
    ClockTime,
    Identifier,
    LanguageCode,
    StartClock,
    ZoneName,
    clock_minutes,
    zone,
)
from escalations.core.escalation import PolicyArea, Tier

WebhookUrl = Annotated[AnyUrl, UrlConstraints(allowed_schemes=["http", "https"], max_length=2048)]
EmailAddress = Annotated[str, Field(max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[A-Za-z0-9-]{2,}$")]
RoutingKey = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^\S+$")]


class Channel(StrEnum):
    """A way to reach a person."""

    EMAIL = "email"
    PAGERDUTY = "pagerduty"
    SLACK = "slack"
    TEAMS = "teams"
    WEBHOOK = "webhook"


# Urgent tiers wake people up (pager, signed webhook) and reach them in chat and email;
# routine tiers go to email only, so nobody is paged at night for a P3.
DEFAULT_NOTIFY: dict[Tier, tuple[Channel, ...]] = {
    Tier.P0: (Channel.PAGERDUTY, Channel.WEBHOOK, Channel.SLACK, Channel.TEAMS, Channel.EMAIL),
    Tier.P1: (Channel.PAGERDUTY, Channel.WEBHOOK, Channel.SLACK, Channel.TEAMS, Channel.EMAIL),
    Tier.P2: (Channel.SLACK, Channel.TEAMS, Channel.WEBHOOK, Channel.EMAIL),
    Tier.P3: (Channel.EMAIL,),
    Tier.P4: (Channel.EMAIL,),
}


class Contacts(BaseModel):
    """Where to reach a person, per channel; at least one is needed."""

    model_config = FROZEN

    email: EmailAddress | None = None
    pagerduty: RoutingKey | None = None
    slack: WebhookUrl | None = None
    teams: WebhookUrl | None = None
    webhook: WebhookUrl | None = None

    @model_validator(mode="after")
    def _at_least_one(self) -> Contacts:
        if not self.available():
            raise ValueError("no contact given; add at least one of " + _channel_list())
        return self

    def available(self) -> tuple[Channel, ...]:
        """Return the channels this person has a contact for, in declaration order."""
        return tuple(channel for channel in Channel if getattr(self, channel.value) is not None)


def _channel_list() -> str:
    return ", ".join(channel.value for channel in Channel)


class QuietHours(BaseModel):
    """A nightly window (person's local time) when only P0 may interrupt."""

    model_config = FROZEN

    start: StartClock
    end: ClockTime

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if clock_minutes(self.start) == clock_minutes(self.end):
            raise ValueError(f"quiet hours {self.start}-{self.end} are empty; end must differ")
        return self

    def contains(self, minute_of_day: int) -> bool:
        """Return whether a local minute of the day falls inside the quiet hours."""
        start, end = clock_minutes(self.start), clock_minutes(self.end)
        if start < end:
            return start <= minute_of_day < end
        return minute_of_day >= start or minute_of_day < end


class Person(BaseModel):
    """Someone who can be on call."""

    model_config = FROZEN

    id: Identifier
    name: Annotated[str, Field(min_length=1, max_length=200)]
    timezone: ZoneName
    skills: tuple[PolicyArea, ...] = ()
    languages: tuple[LanguageCode, ...] = ()
    opt_out: tuple[PolicyArea, ...] = ()
    contacts: Contacts
    sign_in_emails: tuple[EmailAddress, ...] = ()
    """Addresses a sign-in may prove besides ``contacts.email`` (docs/contract/access.md)."""
    notify: dict[Tier, tuple[Channel, ...]] = {}
    quiet_hours: QuietHours | None = None

    @model_validator(mode="after")
    def _rules_use_known_contacts(self) -> Person:
        have = set(self.contacts.available())
        problems = [
            f"notify.{tier.value} uses '{channel.value}' but contacts.{channel.value} is not set"
            for tier, channels in sorted(self.notify.items())
            for channel in channels
            if channel not in have
        ]
        problems += [
            f"notify.{tier.value} is empty; list at least one channel or leave the tier out"
            for tier, channels in sorted(self.notify.items())
            if not channels
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def sign_in_addresses(self) -> frozenset[str]:
        """Return the addresses that sign this person in, in lower case."""
        found = [*self.sign_in_emails, *([self.contacts.email] if self.contacts.email else [])]
        return frozenset(address.lower() for address in found)

    def channels_for(self, tier: Tier) -> tuple[Channel, ...]:
        """Return the channels to use for a tier: the person's rule, else the defaults."""
        explicit = self.notify.get(tier)
        if explicit:
            return explicit
        have = self.contacts.available()
        chosen = tuple(channel for channel in DEFAULT_NOTIFY[tier] if channel in have)
        # Someone with, say, only a pager still hears about P3s rather than nothing.
        return chosen or have

    def in_quiet_hours(self, at: datetime) -> bool:
        """Return whether ``at`` (tz-aware) falls in this person's quiet hours."""
        if self.quiet_hours is None:
            return False
        if at.utcoffset() is None:
            raise ValueError("quiet hours need a tz-aware datetime")
        local = at.astimezone(zone(self.timezone))
        return self.quiet_hours.contains(local.hour * 60 + local.minute)

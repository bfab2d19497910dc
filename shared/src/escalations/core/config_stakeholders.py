"""The ``stakeholders`` section: requester updates, subscription rules, reminders, digest.

The format and its defaults: docs/contract/configuration.md, "`stakeholders`". Who hears
what, and when: docs/stakeholders.md. Subscription rules match like routing rules, plus the
signals a source set (``press_inquiry``, ``executive_request``, ...).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, model_validator

from escalations.core.config_checks import ConfigIssue, Parts, check_ref
from escalations.core.config_people import EmailAddress, WebhookUrl
from escalations.core.config_types import FROZEN, ClockTime, Identifier
from escalations.core.durations import Duration
from escalations.core.escalation import Signals, Tier
from escalations.core.routing import Name, RouteFacts, RoutingMatch

# The yes/no signals a subscription rule can name; a rule matches when any listed one is set.
SignalName = Literal[
    "at_risk_user",
    "high_profile_account",
    "press_inquiry",
    "advertiser_impact",
    "executive_request",
    "ongoing",
    "graphic",
]
SIGNAL_NAMES: tuple[str, ...] = SignalName.__args__  # type: ignore[attr-defined]
RECIPIENT_KINDS = ("person", "email", "slack", "teams", "webhook")
TemplateText = Annotated[str, Field(min_length=1, max_length=1000)]


def signals_set(signals: Signals | dict[str, Any] | None) -> frozenset[str]:
    """Return the names of the yes/no signals that are set (from a model or stored JSON)."""
    if signals is None:
        return frozenset()
    values = signals.model_dump() if isinstance(signals, Signals) else signals
    return frozenset(name for name in SIGNAL_NAMES if values.get(name) is True)


class Recipient(BaseModel):
    """Exactly one of a person id, an e-mail address, or a Slack, Teams or webhook URL."""

    model_config = FROZEN

    person: Identifier | None = None
    email: EmailAddress | None = None
    slack: WebhookUrl | None = None
    teams: WebhookUrl | None = None
    webhook: WebhookUrl | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Recipient:
        given = [kind for kind in RECIPIENT_KINDS if getattr(self, kind) is not None]
        if len(given) != 1:
            named = ", ".join(given) if given else "none"
            raise ValueError(f"give exactly one of {', '.join(RECIPIENT_KINDS)} (given: {named})")
        return self

    @property
    def kind(self) -> str:
        """Return which field is set: ``person``, ``email``, ``slack``, ``teams`` or ``webhook``."""
        return next(kind for kind in RECIPIENT_KINDS if getattr(self, kind) is not None)

    @property
    def target(self) -> str:
        """Return the person id, address or URL as text."""
        return str(getattr(self, self.kind))


class SubscriptionMatch(RoutingMatch):
    """A routing match plus ``signals``: any listed signal set on the escalation matches."""

    signals: tuple[SignalName, ...] | None = None

    def matches_with(self, facts: RouteFacts, signals: frozenset[str]) -> bool:
        """Return whether every condition holds for the facts and the signals set."""
        if self.signals is not None and not signals.intersection(self.signals):
            return False
        return self.matches(facts)


class SubscriptionRule(BaseModel):
    """Tell ``to`` about every escalation matching ``match`` (its state changes and updates)."""

    model_config = FROZEN

    name: Name
    match: SubscriptionMatch
    to: Annotated[tuple[Recipient, ...], Field(min_length=1, max_length=50)]


class RequesterTemplate(BaseModel):
    """Text a source's requester messages open and close with (plain text, escaped)."""

    model_config = FROZEN

    intro: TemplateText | None = None
    signature: TemplateText | None = None


class RequesterPolicy(BaseModel):
    """What one source's requesters hear: nothing (``opt_out``), and whether names are given."""

    model_config = FROZEN

    opt_out: bool = False
    # Whether "acknowledged" names the person; by default it names only the team.
    name_person: bool = False
    template: RequesterTemplate = RequesterTemplate()


class DigestConfig(BaseModel):
    """The leads' daily digest: at ``at`` in each lead's own time zone, over the last day."""

    model_config = FROZEN

    enabled: bool = True
    at: ClockTime = "08:00"


class StakeholdersConfig(BaseModel):
    """Requester updates, subscription rules, update reminders and the leads' digest."""

    model_config = FROZEN

    # An open escalation of these tiers with no update for this long reminds its owner.
    update_interval: Duration = timedelta(minutes=30)
    update_tiers: tuple[Tier, ...] = (Tier.P0, Tier.P1)
    digest: DigestConfig = DigestConfig()
    # The policy of every source not listed in ``sources``.
    requester: RequesterPolicy = RequesterPolicy()
    sources: dict[Name, RequesterPolicy] = {}
    subscriptions: tuple[SubscriptionRule, ...] = ()

    def requester_for(self, source: str) -> RequesterPolicy:
        """Return the requester policy of a source (its own entry, else the default)."""
        return self.sources.get(source, self.requester)

    def subscribers(
        self, facts: RouteFacts, signals: frozenset[str]
    ) -> list[tuple[str, Recipient]]:
        """Return (rule name, recipient) for every rule that matches, in configuration order."""
        return [
            (rule.name, recipient)
            for rule in self.subscriptions
            if rule.match.matches_with(facts, signals)
            for recipient in rule.to
        ]


def check_stakeholders(parts: Parts, section: StakeholdersConfig | None) -> list[ConfigIssue]:
    """Return unknown people and repeated rule names in the ``stakeholders`` section."""
    if section is None:
        return []
    issues: list[ConfigIssue] = []
    seen: dict[str, int] = {}
    for index, rule in enumerate(section.subscriptions):
        loc = ("stakeholders", "subscriptions", index)
        if rule.name in seen:
            issues.append(
                ConfigIssue(
                    (*loc, "name"),
                    f"duplicate rule name '{rule.name}' (also subscriptions[{seen[rule.name]}])",
                )
            )
        seen.setdefault(rule.name, index)
        for at, recipient in enumerate(rule.to):
            if recipient.person is not None:
                issues += check_ref(
                    parts.person_ids, "person", recipient.person, (*loc, "to", at, "person")
                )
    return issues

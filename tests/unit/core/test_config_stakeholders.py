"""The ``stakeholders`` section: defaults, each mistake with its path, and rule matching."""

from __future__ import annotations

from datetime import timedelta

import pytest

from escalations.core.config import ConfigError, loads_config
from escalations.core.config_stakeholders import RequesterPolicy, signals_set
from escalations.core.escalation import PolicyArea, Regime, Signals, SourceKind, Tier
from escalations.core.routing import RouteFacts
from tests.unit.core.schedule_helpers import people_yaml
from tests.unit.core.test_config_access import TEAM

RULES = """\
stakeholders:
  update_interval: 45m
  digest: {at: "07:30"}
  requester: {name_person: false}
  sources:
    legal-portal:
      name_person: true
      template: {intro: "Thank you for your order.", signature: "Legal Ops"}
    bulk-reports: {opt_out: true}
  subscriptions:
    - name: comms-press
      match: {signals: [press_inquiry], tier: [P0, P1]}
      to: [{email: comms@example.com}, {slack: "https://hooks.example.com/T1/B2"}]
    - name: legal-regulatory
      match: {regime: [dsa_authority_order, netzdg_manifestly_unlawful]}
      to: [{person: cat}]
"""


def load(section: str) -> object:
    """Return the configuration with the test people, team ``t`` and ``section``."""
    return loads_config(people_yaml() + TEAM + section, source="test.yaml").config


def issues_of(section: str) -> list[str]:
    """Return the issue lines of a ``stakeholders`` section that must fail."""
    with pytest.raises(ConfigError) as caught:
        loads_config(people_yaml() + TEAM + section, source="test.yaml")
    return [str(issue) for issue in caught.value.issues]


def test_defaults_remind_p0_p1_every_30_minutes_and_digest_at_8() -> None:
    """Without the section: 30 min reminders for P0/P1, a digest at 08:00, nobody opted out."""
    stakeholders = load("").stakeholders  # type: ignore[attr-defined]
    assert stakeholders.update_interval == timedelta(minutes=30)
    assert stakeholders.update_tiers == (Tier.P0, Tier.P1)
    assert stakeholders.digest.at == "08:00"
    assert stakeholders.requester_for("any") == RequesterPolicy()
    assert stakeholders.subscriptions == ()


def test_a_source_listed_has_its_own_policy_others_the_default() -> None:
    """``sources`` entries replace the default for that source only."""
    stakeholders = load(RULES).stakeholders  # type: ignore[attr-defined]
    assert stakeholders.update_interval == timedelta(minutes=45)
    legal = stakeholders.requester_for("legal-portal")
    assert legal.name_person
    assert legal.template.signature == "Legal Ops"
    assert stakeholders.requester_for("bulk-reports").opt_out
    assert stakeholders.requester_for("trust-reports") == RequesterPolicy()


def test_rules_match_on_signals_and_the_routing_conditions() -> None:
    """Comms hears of press inquiries at P0-P1 only; Legal of the regimes listed."""
    stakeholders = load(RULES).stakeholders  # type: ignore[attr-defined]
    press = RouteFacts(PolicyArea.HARASSMENT, source_kind=SourceKind.PRESS, tier=Tier.P1)
    signals = signals_set(Signals(press_inquiry=True))
    found = stakeholders.subscribers(press, signals)
    assert [(name, to.kind) for name, to in found] == [
        ("comms-press", "email"),
        ("comms-press", "slack"),
    ]
    assert stakeholders.subscribers(press, frozenset()) == []
    calm = RouteFacts(PolicyArea.HARASSMENT, tier=Tier.P3)
    assert stakeholders.subscribers(calm, signals) == []
    dsa = RouteFacts(PolicyArea.HARASSMENT, regime=Regime.DSA_AUTHORITY_ORDER, tier=Tier.P3)
    assert [(n, to.target) for n, to in stakeholders.subscribers(dsa, frozenset())] == [
        ("legal-regulatory", "cat")
    ]


def test_signals_set_reads_models_and_stored_json() -> None:
    """Only yes/no signals that are true count; stored JSON reads the same as the model."""
    assert signals_set(Signals(graphic=True, ongoing=True)) == {"graphic", "ongoing"}
    assert signals_set({"press_inquiry": True, "imminence": "hours", "graphic": False}) == {
        "press_inquiry"
    }
    assert signals_set(None) == frozenset()


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        (
            "stakeholders: {update_interval: 0m}",
            "stakeholders.update_interval: duration must be positive",
        ),
        (
            "stakeholders: {digest: {at: '25:00'}}",
            "stakeholders.digest.at",
        ),
        (
            "stakeholders: {subscriptions: [{name: x, match: {signals: [bogus]},"
            " to: [{email: a@b.io}]}]}",
            "stakeholders.subscriptions[0].match.signals[0]: unknown value 'bogus'",
        ),
        (
            "stakeholders: {subscriptions: [{name: x, match: {tier: P0}, to: []}]}",
            "stakeholders.subscriptions[0].to: empty list",
        ),
        (
            "stakeholders: {subscriptions: [{name: x, match: {tier: P0},"
            " to: [{email: a@b.io, slack: 'https://h.example.com/x'}]}]}",
            "give exactly one of person, email, slack, teams, webhook (given: email, slack)",
        ),
        (
            "stakeholders: {subscriptions: [{name: x, match: {}, to: [{email: a@b.io}]}]}",
            "a rule needs at least one condition",
        ),
        (
            "stakeholders: {subscriptions: [{name: x, match: {tier: P0}, to: [{person: anne}]}]}",
            "stakeholders.subscriptions[0].to[0].person: unknown person 'anne'",
        ),
        (
            "stakeholders: {subscriptions: [{name: x, match: {tier: P0}, to: [{email: a@b.io}]},"
            " {name: x, match: {tier: P1}, to: [{email: a@b.io}]}]}",
            "stakeholders.subscriptions[1].name: duplicate rule name 'x'",
        ),
        (
            "stakeholders: {sources: {legal: {opt_out: maybe}}}",
            "stakeholders.sources.legal.opt_out",
        ),
        (
            "stakeholders: {requester: {template: {intro: ''}}}",
            "stakeholders.requester.template.intro",
        ),
        ("stakeholders: {reminders: 5m}", "stakeholders.reminders"),
    ],
)
def test_each_mistake_is_named_with_its_path(section: str, expected: str) -> None:
    """Every mistake in the section is reported with where it is and what to do."""
    issues = issues_of(section + "\n")
    assert any(expected in issue for issue in issues), issues

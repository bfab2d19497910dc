"""Subscriptions as pure decisions: who may, what is shown, which rules match, what is valid.

docs/contract/http-api.md, "Subscriptions"; docs/contract/access.md, "What each role may
do". No I/O: the configuration, stored rows and bodies are built here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from escalations.core.access import roles_of
from escalations.core.config import Config, parse_config
from escalations.core.escalation import Regime
from escalations.db.models import EscalationRow
from escalations_intake.auth.access_rules import EscalationFacts, on_subscription
from escalations_intake.resources.subscription_bodies import SubscriptionBody
from escalations_intake.resources.subscription_views import (
    matching_rules,
    route_facts,
    shown_target,
    url_origin,
)
from tests.unit.intake.test_access_rules import CONFIG_YAML

RULES = {
    "subscriptions": [
        {"name": "press", "match": {"signals": ["press_inquiry"], "tier": ["P0", "P1"]},
         "to": [{"email": "comms@example.com"}]},
        {"name": "legal-ie", "match": {"source": ["legal"], "region": ["IE"]},
         "to": [{"person": "kim"}, {"webhook": "https://hooks.example.com/legal"}]},
    ]
}  # fmt: skip
PLAIN = EscalationFacts("e2", "legal", "hate_speech", owner="kim", paged=("kim", "ana"))


@pytest.fixture(scope="module")
def config() -> Config:
    """The access rules' people and teams, with two subscription rules."""
    return parse_config({**CONFIG_YAML, "stakeholders": RULES}).config


def _row(**changes: Any) -> EscalationRow:
    now = datetime.now(UTC)
    fields: dict[str, Any] = {
        "id": "e1", "source": "legal", "source_kind": "legal", "status": "assigned",
        "title": "t", "policy_area": "hate_speech", "tier": "P1", "score": 60,
        "team": "legal", "request": {"title": "t", "policy_area": "hate_speech"},
        "priority": {}, "received_at": now, "created_at": now, "updated_at": now,
    }  # fmt: skip
    return EscalationRow(**{**fields, **changes})


def test_urls_are_shown_as_their_origin_only() -> None:
    """User, path, query and fragment are dropped; the port and an IPv6 host are kept."""
    assert "https://hooks.slack.com/…" == shown_target(
        "slack", "https://hooks.slack.com/services/T0/B0/secret?x=1#y"
    )
    assert "http://[::1]:8083" == url_origin("http://user:pw@[::1]:8083/inbox")
    assert "https://example.com/…" == shown_target("webhook", "https://a:b@example.com/p")
    assert "comms@example.com" == shown_target("email", "comms@example.com")
    assert "kim" == shown_target("person", "kim")


def test_rules_match_on_the_stored_facts_and_signals(config: Config) -> None:
    """Tier and signals, source and region from the request; each rule named once."""
    press = {"title": "t", "policy_area": "hate_speech", "signals": {"press_inquiry": True}}
    assert ["press"] == matching_rules(config, _row(request=press))
    assert [] == matching_rules(config, _row(request=press, tier="P2"))
    both = {**press, "region": "IE"}
    assert ["press", "legal-ie"] == matching_rules(config, _row(request=both))
    assert [] == matching_rules(config, _row(request={**both, "signals": {}}, source="desk"))


def test_route_facts_read_the_regime_and_tolerate_unknown_values(config: Config) -> None:
    """The regime comes from ``request.regulatory``; an unknown tier or kind is no fact."""
    request = {"title": "t", "policy_area": "hate_speech", "regulatory": {"regime": "dsa_notice"}}
    facts = route_facts(_row(request=request, tier="P9", source_kind="unknown"))
    assert (None, None, Regime.DSA_NOTICE) == (facts.tier, facts.source_kind, facts.regime)
    assert Regime.NONE == route_facts(_row()).regime


def test_oneself_always_and_others_only_with_the_right_to_act(config: Config) -> None:
    """Own: yes. Others: the team, the owner and the paged; a viewer or outsider 403."""
    for person in ("vi", "lee", "dana"):
        assert None is on_subscription(config, roles_of(config, person), PLAIN, own=True)
    for person in ("dana", "kim", "ana", "bo"):
        assert None is on_subscription(config, roles_of(config, person), PLAIN, own=False)
    outsider = on_subscription(config, roles_of(config, "lee"), PLAIN, own=False)
    assert outsider is not None
    assert 403 == outsider.status
    assert "needs escalations.act on team 'legal' (responder, lead or admin)" in outsider.detail
    viewer = on_subscription(config, roles_of(config, "vi"), PLAIN, own=False)
    assert viewer is not None
    assert "'vi' may subscribe only themselves" in viewer.detail
    assert viewer.detail.endswith("a viewer only reads")


def test_need_to_know_comes_before_the_roles(config: Config) -> None:
    """Someone who may not see a restricted escalation gets the missing-escalation 404."""
    secret = EscalationFacts("e3", "legal", "child_safety", owner="kim", paged=())
    refusal = on_subscription(config, roles_of(config, "lee"), secret, own=False)
    assert refusal is not None
    assert 404 == refusal.status


@pytest.mark.parametrize(
    ("body", "kind", "target"),
    [
        ({"person": "kim"}, "person", "kim"),
        ({"email": "comms@example.com"}, "email", "comms@example.com"),
        ({"teams": "https://example.webhook.office.com/x"}, "teams", None),
    ],
)
def test_a_body_gives_one_kind(body: dict[str, str], kind: str, target: str | None) -> None:
    """The kind given and its value."""
    chosen = SubscriptionBody.model_validate(body).chosen()
    assert (kind, target or body[kind]) == chosen


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({}, "(got none)"),
        ({"email": "a@example.com", "slack": "https://hooks.slack.com/x"}, "(got email, slack)"),
        ({"webhook": None}, "webhook: must be a value, not null"),
        ({"person": "Kim Lee"}, "String should match pattern"),
        ({"email": "a@b.c\u0000"}, "String should match pattern"),
        ({"webhook": "https://example.com/\u001b[31m"}, "must not contain control characters"),
        ({"slack": "mailto:a@example.com"}, "URL scheme should be 'http' or 'https'"),
    ],
)
def test_a_bad_body_says_what_is_wrong(body: dict[str, Any], named: str) -> None:
    """Validation names the problem (the HTTP layer adds the field path)."""
    with pytest.raises(ValidationError) as raised:
        SubscriptionBody.model_validate(body)
    assert named in str(raised.value)


def test_the_document_states_exactly_one_property() -> None:
    """The schema says what the model enforces: one property, never null."""
    schema = SubscriptionBody.model_json_schema()
    assert (1, 1, False) == (
        schema["minProperties"],
        schema["maxProperties"],
        schema["additionalProperties"],
    )
    assert all("anyOf" not in prop for prop in schema["properties"].values())

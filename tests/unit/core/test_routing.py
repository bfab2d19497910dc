"""Routing rules: ordered, first match wins, default team, matched rule recorded.

The rules' format: docs/contract/configuration.md, "`routing`".
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from escalations.core.escalation import PolicyArea, Regime, SourceKind, Tier
from escalations.core.routing import RouteDecision, RouteFacts, RoutingConfig, route

RULES = RoutingConfig.model_validate(
    yaml.safe_load(
        """
        default_team: escalations-desk
        rules:
          - name: child-safety
            match: {policy_area: [child_safety]}
            team: child-safety
          - name: terrorist-orders
            match: {regime: [terreg_removal_order]}
            team: ct-response
          - name: german-p0
            match: {language: [de], tier: P0}
            team: dach-oncall
          - name: apac-ads
            match: {region: [SG, AU], source: [ads-sales]}
            team: apac-ads
          - name: press
            match: {source_kind: [press, executive]}
            team: comms-liaison
        """
    )
)


@pytest.mark.parametrize(
    ("case", "facts", "expected"),
    [
        (
            "policy area rule",
            {"policy_area": PolicyArea.CHILD_SAFETY, "regime": Regime.TERREG_REMOVAL_ORDER},
            ("child-safety", "child-safety", 0),
        ),
        (
            "regime rule when the area rule does not match",
            {"policy_area": PolicyArea.VIOLENT_EXTREMISM, "regime": Regime.TERREG_REMOVAL_ORDER},
            ("ct-response", "terrorist-orders", 1),
        ),
        (
            "language prefix and tier both hold",
            {"policy_area": PolicyArea.SPAM, "language": "de-AT", "tier": Tier.P0},
            ("dach-oncall", "german-p0", 2),
        ),
        (
            "tier does not hold",
            {"policy_area": PolicyArea.SPAM, "language": "de", "tier": Tier.P1},
            ("escalations-desk", "default", None),
        ),
        (
            "region and source both hold",
            {"policy_area": PolicyArea.SCAMS_FRAUD, "region": "SG", "source": "ads-sales"},
            ("apac-ads", "apac-ads", 3),
        ),
        (
            "region missing from the escalation never matches a region rule",
            {"policy_area": PolicyArea.SCAMS_FRAUD, "source": "ads-sales"},
            ("escalations-desk", "default", None),
        ),
        (
            "source kind rule",
            {"policy_area": PolicyArea.HATE_SPEECH, "source_kind": SourceKind.EXECUTIVE},
            ("comms-liaison", "press", 4),
        ),
        (
            "nothing matches",
            {"policy_area": PolicyArea.HATE_SPEECH, "source_kind": SourceKind.USER_REPORT},
            ("escalations-desk", "default", None),
        ),
    ],
)
def test_route_table(
    case: str, facts: dict[str, Any], expected: tuple[str, str, int | None]
) -> None:
    """The first matching rule picks the team; otherwise the default team."""
    decision = route(RULES, RouteFacts(**facts))
    assert RouteDecision(team=expected[0], rule=expected[1], index=expected[2]) == decision, case


def test_rule_language_with_region_does_not_match_other_regions() -> None:
    """A rule for ``pt-BR`` does not take ``pt-PT`` but does take ``pt-br``."""
    config = RoutingConfig.model_validate(
        {
            "default_team": "desk",
            "rules": [{"name": "br", "match": {"language": ["pt-BR"]}, "team": "br"}],
        }
    )
    teams = [
        route(config, RouteFacts(policy_area=PolicyArea.SPAM, language=lang)).team
        for lang in ("pt-PT", "pt-br")
    ]
    assert ["desk", "br"] == teams


def test_decision_serialises_for_the_record() -> None:
    """The decision goes into the decision record as plain JSON."""
    decision = route(RULES, RouteFacts(policy_area=PolicyArea.CHILD_SAFETY))
    assert {"team": "child-safety", "rule": "child-safety", "index": 0} == decision.model_dump()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rules": []}, "default_team"),
        (
            {"default_team": "d", "rules": [{"name": "x", "match": {}, "team": "t"}]},
            "a rule needs at least one condition",
        ),
        (
            {"default_team": "d", "rules": [{"name": "x", "match": {"region": []}, "team": "t"}]},
            "empty condition(s) ['region']",
        ),
        (
            {
                "default_team": "d",
                "rules": [{"name": "x", "match": {"tier": "P0"}, "team": "t"}] * 2,
            },
            "rules[1]: duplicate rule name 'x'",
        ),
        (
            {
                "default_team": "d",
                "rules": [{"name": "default", "match": {"tier": "P0"}, "team": "t"}],
            },
            "the name 'default' is reserved",
        ),
        (
            {"default_team": "d", "rules": [{"name": "x", "match": {"tier": "P9"}, "team": "t"}]},
            "rules.0.match.tier.0",
        ),
        (
            {
                "default_team": "d",
                "rules": [{"name": "x", "match": {"region": ["ie"]}, "team": "t"}],
            },
            "String should match pattern",
        ),
        (
            {
                "default_team": "d",
                "rules": [{"name": "x", "match": {"colour": ["red"]}, "team": "t"}],
            },
            "Extra inputs are not permitted",
        ),
    ],
)
def test_invalid_rules_say_what_is_wrong(data: dict[str, Any], message: str) -> None:
    """Each mistake in the rules is rejected with a message naming it."""
    with pytest.raises(ValidationError) as error:
        RoutingConfig.model_validate(data)
    assert message in str(error.value)

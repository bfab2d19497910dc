"""Priority configuration: defaults, partial overrides, and validation messages.

The defaults: docs/contract/priority-and-assignment.md.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from escalations.core.durations import format_duration, parse_duration
from escalations.core.escalation import PolicyArea, Regime, SourceKind, Tier
from escalations.core.priority_config import PriorityConfig

DEFAULTS = PriorityConfig()


def test_default_tier_thresholds() -> None:
    """P0 >= 80, P1 >= 55, P2 >= 35, P3 >= 15, else P4."""
    cases = {100: Tier.P0, 80: Tier.P0, 79.9: Tier.P1, 55: Tier.P1, 35: Tier.P2, 15: Tier.P3}
    cases |= {14.9: Tier.P4, 0: Tier.P4}
    assert cases == {value: DEFAULTS.tiers.tier_for(value) for value in cases}


def test_default_sla_per_tier() -> None:
    """The SLA defaults are those of docs/contract/priority-and-assignment.md, "SLAs"."""
    expected = {
        Tier.P0: (timedelta(minutes=5), timedelta(hours=4)),
        Tier.P1: (timedelta(minutes=15), timedelta(hours=24)),
        Tier.P2: (timedelta(hours=1), timedelta(hours=72)),
        Tier.P3: (timedelta(hours=8), timedelta(days=5)),
        Tier.P4: (timedelta(days=2), timedelta(days=10)),
    }
    assert expected == {tier: (sla.acknowledge, sla.resolve) for tier, sla in DEFAULTS.sla.items()}


@pytest.mark.parametrize(
    ("regime", "length"),
    [
        (Regime.TERREG_REMOVAL_ORDER, timedelta(hours=1)),
        (Regime.EPOC_EMERGENCY, timedelta(hours=8)),
        (Regime.ESAFETY_REMOVAL_NOTICE, timedelta(hours=24)),
        (Regime.NETZDG_MANIFESTLY_UNLAWFUL, timedelta(hours=24)),
        (Regime.TAKE_IT_DOWN_REQUEST, timedelta(hours=48)),
        (Regime.EPOC, timedelta(days=10)),
        (Regime.NCMEC_REPORT, timedelta(hours=24)),
        (Regime.NONE, None),
    ],
)
def test_default_regulatory_clocks(regime: Regime, length: timedelta | None) -> None:
    """Clock lengths default to the statutes and internal targets.

    The lengths: docs/contract/priority-and-assignment.md, "Regulatory clocks".
    """
    assert length == DEFAULTS.clocks[regime]


def test_every_regime_but_none_has_a_clock_by_default() -> None:
    """Internal targets cover the 'without undue delay' regimes too."""
    missing = [regime for regime in Regime if DEFAULTS.clocks.get(regime) is None]
    assert [Regime.NONE] == missing


def test_other_defaults() -> None:
    """Buffer 20 % (at least 10 min), warning at 75 %, attention capped at 8 points."""
    assert (0.2, timedelta(minutes=10), 0.75, 8.0) == (
        DEFAULTS.resolve_buffer_share,
        DEFAULTS.resolve_buffer_min,
        DEFAULTS.sla_warning_share,
        DEFAULTS.weights.attention_cap,
    )


@pytest.mark.parametrize(
    ("area", "severity", "graphic", "category"),
    [
        (PolicyArea.CHILD_SAFETY, 5, True, "PROTECTION_OF_MINORS"),
        (PolicyArea.VIOLENT_EXTREMISM, 5, True, "RISK_FOR_PUBLIC_SECURITY"),
        (PolicyArea.NCII, 4, True, "CYBER_VIOLENCE"),
        (PolicyArea.HATE_SPEECH, 3, False, "ILLEGAL_OR_HARMFUL_SPEECH"),
        (PolicyArea.HARASSMENT, 2, False, "CYBER_VIOLENCE"),
        (PolicyArea.SPAM, 1, False, "SCAMS_AND_FRAUD"),
        (PolicyArea.OTHER, 1, False, "NOT_SPECIFIED_NOTICE"),
    ],
)
def test_policy_area_defaults(
    area: PolicyArea, severity: int, graphic: bool, category: str
) -> None:
    """Severity, graphic default and DSA category per policy area.

    The defaults: docs/contract/priority-and-assignment.md, "Severity by policy area".
    """
    config = DEFAULTS.policy_areas[area]
    assert (severity, graphic, category) == (config.severity, config.graphic, config.dsa_category)


def test_every_policy_area_is_configured() -> None:
    """Each policy area has a severity and a DSA category."""
    assert set(PolicyArea) == set(DEFAULTS.policy_areas)


def test_partial_yaml_merges_over_defaults() -> None:
    """A YAML that changes one area, one clock and one budget keeps every other default."""
    config = PriorityConfig.model_validate(
        yaml.safe_load(
            """
            policy_areas:
              misinformation: {severity: 4}
            clocks:
              epoc: 7d
              netzdg_manifestly_unlawful: null
            sla:
              P0: {acknowledge: 3m}
            weights:
              source_points: {legal: 9}
            """
        )
    )
    area = config.policy_areas[PolicyArea.MISINFORMATION]
    assert (4, "NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS") == (
        area.severity,
        area.dsa_category,
    )
    assert (timedelta(days=7), None, timedelta(hours=1)) == (
        config.clocks[Regime.EPOC],
        config.clocks[Regime.NETZDG_MANIFESTLY_UNLAWFUL],
        config.clocks[Regime.TERREG_REMOVAL_ORDER],
    )
    assert (timedelta(minutes=3), timedelta(hours=4)) == (
        config.sla[Tier.P0].acknowledge,
        config.sla[Tier.P0].resolve,
    )
    assert (9.0, 22.0) == (
        config.weights.source_points[SourceKind.LEGAL],
        config.weights.source_points[SourceKind.REGULATOR],
    )


def test_json_round_trip() -> None:
    """The config serialises to JSON and back unchanged."""
    assert DEFAULTS == PriorityConfig.model_validate_json(DEFAULTS.model_dump_json())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"tiers": {"p1": 85}}, "tier thresholds must strictly descend"),
        ({"weights": {"reach_cap": -1}}, "greater than or equal to 0"),
        ({"weights": {"severity_points": {3: 40}}}, "points must not fall as severity rises"),
        (
            {"weights": {"imminence_points": {"likely": 1}}},
            "imminence_points: points must not fall",
        ),
        ({"weights": {"attention_points": {"tweets": 2}}}, "unknown signal(s) ['tweets']"),
        ({"floors": [{"name": "x", "tier": "P0"}]}, "floor 'x' has no condition"),
        ({"floors": [{"name": "x", "tier": "P0", "regimes": []}]}, "regimes is empty"),
        (
            {"floors": [{"name": "x", "tier": "P1", "ongoing": True}] * 2},
            "duplicate floor name 'x'",
        ),
        (
            {"deadline_tiers": [{"within": "2h", "tier": "P1"}, {"within": "24h", "tier": "P0"}]},
            "less time left must give a strictly more urgent tier",
        ),
        (
            {"deadline_tiers": [{"within": "2h", "tier": "P2"}, {"tier": "P1"}]},
            "less time left must give a strictly more urgent tier",
        ),
        (
            {"deadline_tiers": [{"tier": "P2"}, {"tier": "P1"}]},
            "got any -> P2, any -> P1",
        ),
        ({"sla": {"P2": {"acknowledge": "3d"}}}, "acknowledge budget must be shorter"),
        ({"sla": {"P0": {"resolve": "30d"}}}, "P0 resolve budget is longer than P1's"),
        ({"clocks": {"none": "1h"}}, "regime 'none' cannot have a clock"),
        ({"clocks": {"terreg": "1h"}}, "terreg"),
        ({"clocks": {"epoc": "5x"}}, "epoc"),
        ({"clocks": {"epoc": "0s"}}, "duration must be positive"),
        ({"policy_areas": {"spam": {"severity": 6}}}, "less than or equal to 5"),
        (
            {
                "policy_areas": {
                    "spam": {"raises": [{"severity": 1, "minors_at_least": "suspected"}]}
                }
            },
            "a raise must increase severity",
        ),
        ({"sla_warning_share": 1.0}, "less than 1"),
        ({"colour": "red"}, "Extra inputs are not permitted"),
    ],
)
def test_invalid_config_says_what_is_wrong(data: dict[str, Any], message: str) -> None:
    """Each mistake is rejected with a message naming it."""
    with pytest.raises(ValidationError) as error:
        PriorityConfig.model_validate(data)
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("text", "expected", "printed"),
    [
        ("90s", timedelta(seconds=90), "1m30s"),
        ("5m", timedelta(minutes=5), "5m"),
        ("1h30m", timedelta(minutes=90), "1h30m"),
        ("10d", timedelta(days=10), "10d"),
        ("2w", timedelta(weeks=2), "14d"),
    ],
)
def test_compact_durations(text: str, expected: timedelta, printed: str) -> None:
    """Durations in YAML read as a person writes them, and print compactly."""
    assert (expected, printed) == (parse_duration(text), format_duration(expected))

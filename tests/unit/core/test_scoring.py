"""Priority scoring: factors, floors, ceiling, deadline tier and deadlines.

The rules: docs/contract/priority-and-assignment.md.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalations.core.escalation import (
    EscalationIn,
    Imminence,
    Minors,
    PolicyArea,
    Regime,
    SourceKind,
    Tier,
)
from escalations.core.priority_config import PriorityConfig
from escalations.core.scoring import Priority, next_rescore_at, score
from escalations.core.scoring_factors import fires

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
CONFIG = PriorityConfig()


def esc(**fields: Any) -> EscalationIn:
    """Build an escalation from JSON-like fields with a default title."""
    return EscalationIn.model_validate({"title": "t", **fields})


def run(
    body: dict[str, Any],
    kind: str = "user_report",
    *,
    at: datetime = T0,
    reports: int = 1,
    config: PriorityConfig = CONFIG,
) -> Priority:
    """Score a JSON-like escalation received at T0."""
    return score(
        esc(**body),
        source_kind=SourceKind(kind),
        received_at=T0,
        at=at,
        reports=reports,
        config=config,
    )


def points(priority: Priority, factor: str) -> float:
    """Return the points of one factor (0 if it did not contribute)."""
    return sum(reason.points for reason in priority.reasons if reason.factor == factor)


def fired(priority: Priority, factor: str) -> list[str]:
    """Return the details of the rule reasons of one kind."""
    return [reason.detail for reason in priority.reasons if reason.factor == factor]


ATTENTION = ("press_inquiry", "high_profile_account", "advertiser_impact", "executive_request")
HATE_2K = {"policy_area": "hate_speech", "reach": {"impressions_24h": 2000}}
REGULATOR_10D = {
    "policy_area": "other",
    "regulatory": {"regime": "regulator_request", "deadline": "2026-12-05T09:00:00Z"},
}


@pytest.mark.parametrize(
    ("case", "body", "kind", "expected"),
    [
        ("hate speech pin, 2k views, user report", HATE_2K, "user_report", Tier.P3),
        ("the same from a DSA trusted flagger", HATE_2K, "trusted_flagger", Tier.P1),
        (
            "terrorist-content removal order",
            {"policy_area": "violent_extremism", "regulatory": {"regime": "terreg_removal_order"}},
            "regulator",
            Tier.P0,
        ),
        (
            "executive complaint: advertiser pin next to adult content",
            {
                "policy_area": "adult_sexual",
                "reach": {"impressions_24h": 50_000_000, "followers": 10_000_000},
                "signals": {
                    "advertiser_impact": True,
                    "executive_request": True,
                    "press_inquiry": True,
                    "high_profile_account": True,
                    "violation_likelihood": 1.0,
                },
            },
            "executive",
            Tier.P2,
        ),
        (
            "credible threat naming a school and a time",
            {"policy_area": "violent_threat", "signals": {"imminence": "imminent_specific"}},
            "user_report",
            Tier.P0,
        ),
        ("regulator information request due in 10 days", REGULATOR_10D, "regulator", Tier.P2),
        (
            "50-account spam ring with 100 views",
            {"policy_area": "spam", "reach": {"impressions_24h": 100, "accounts_involved": 50}},
            "user_report",
            Tier.P4,
        ),
        (
            "the spam ring flagged by the moderation tool",
            {"policy_area": "spam", "reach": {"impressions_24h": 100, "accounts_involved": 50}},
            "internal_tool",
            Tier.P4,
        ),
    ],
)
def test_domain_priority_cases(case: str, body: dict[str, Any], kind: str, expected: Tier) -> None:
    """The cases a T&S lead would check get the stated tier.

    The cases: docs/contract/priority-and-assignment.md, "Cases to check".
    """
    assert expected == run(body, kind).tier, case


def test_terrorist_order_resolves_before_the_hour_minus_buffer() -> None:
    """A 1 h order must be resolved by 48 min: 20 % of the window (12 min) is the buffer."""
    body = {
        "policy_area": "violent_extremism",
        "regulatory": {"regime": "terreg_removal_order", "received_at": "2026-11-25T08:55:00Z"},
    }
    deadlines = run(body, "regulator").deadlines
    assert datetime(2026, 11, 25, 9, 55, tzinfo=UTC) == deadlines.regulatory_deadline
    assert datetime(2026, 11, 25, 9, 43, tzinfo=UTC) == deadlines.resolve_by
    assert T0 + timedelta(minutes=5) == deadlines.acknowledge_by


def test_stakeholder_attention_is_capped() -> None:
    """Press, high-profile, advertiser and executive pressure add at most 8 points."""
    loud = {
        "policy_area": "adult_sexual",
        "signals": dict.fromkeys(ATTENTION, True),
    }
    assert 8.0 == points(run(loud, "press"), "attention")


def test_stakeholder_source_counts_as_attention_not_as_authority() -> None:
    """A press source adds the press-inquiry attention points, once, not source points."""
    priority = run({"policy_area": "spam", "signals": {"press_inquiry": True}}, "press")
    assert (4.0, 0.0) == (points(priority, "attention"), points(priority, "source"))


def test_stakeholder_ceiling_holds_a_loud_low_severity_escalation_at_p2() -> None:
    """A low-severity escalation whose score reaches P1 through reach and pressure stays P2."""
    body = {
        "policy_area": "harassment",
        "reach": {"impressions_24h": 10**8, "followers": 10**8, "accounts_involved": 1000},
        "signals": {
            "advertiser_impact": True,
            "executive_request": True,
            "violation_likelihood": 1,
        },
    }
    priority = run(body, "executive", reports=100)
    assert (Tier.P2, True) == (priority.tier, priority.score >= CONFIG.tiers.p1)
    assert 1 == len(fired(priority, "ceiling"))


@pytest.mark.parametrize(
    ("case", "extra", "kind"),
    [
        ("a regulatory clock", {"regulatory": {"regime": "dsa_notice"}}, "executive"),
        ("a risk signal", {"signals": {"imminence": "possible"}}, "executive"),
        ("minors involved", {"signals": {"minors": "suspected"}}, "executive"),
        ("an at-risk user", {"signals": {"at_risk_user": True}}, "executive"),
        ("a regulator as source", {}, "regulator"),
        ("a trusted flagger as source", {}, "trusted_flagger"),
    ],
)
def test_stakeholder_ceiling_does_not_apply(case: str, extra: dict[str, Any], kind: str) -> None:
    """The ceiling is for stakeholder-only escalations; a clock, a risk or an authority lifts it."""
    body = {
        "policy_area": "scams_fraud",
        "reach": {"impressions_24h": 10**8, "followers": 10**8, "accounts_involved": 1000},
        "signals": {"violation_likelihood": 1.0, **extra.get("signals", {})},
        **{k: v for k, v in extra.items() if k != "signals"},
    }
    priority = run(body, kind, reports=100)
    assert [] == fired(priority, "ceiling"), case
    assert Tier.P2.rank > priority.tier.rank, case


@pytest.mark.parametrize(
    ("floor", "body", "kind", "expected"),
    [
        ("threat_to_life", {"policy_area": "other", "signals": {"imminence": "imminent_specific"}}, "user_report", Tier.P0),  # noqa: E501 -- table row
        ("terreg_removal_order", {"policy_area": "spam", "regulatory": {"regime": "terreg_removal_order"}}, "legal", Tier.P0),  # noqa: E501 -- table row
        ("epoc_emergency", {"policy_area": "other", "regulatory": {"regime": "epoc_emergency"}}, "law_enforcement", Tier.P0),  # noqa: E501 -- table row
        ("child_sexual_exploitation", {"policy_area": "child_safety", "signals": {"minors": "confirmed"}}, "user_report", Tier.P1),  # noqa: E501 -- table row
        ("child_sexual_exploitation_ongoing", {"policy_area": "child_safety", "signals": {"minors": "confirmed", "ongoing": True}}, "user_report", Tier.P0),  # noqa: E501 -- table row
        ("intimate_image_takedown", {"policy_area": "ncii", "regulatory": {"regime": "take_it_down_request"}}, "user_report", Tier.P1),  # noqa: E501 -- table row
        ("esafety_notice", {"policy_area": "other", "regulatory": {"regime": "esafety_removal_notice"}}, "regulator", Tier.P1),  # noqa: E501 -- table row
        ("trusted_flagger_serious_harm", {"policy_area": "privacy"}, "trusted_flagger", Tier.P1),
        ("trusted_flagger_notice_serious_harm", {"policy_area": "privacy", "regulatory": {"regime": "dsa_trusted_flagger"}}, "internal_tool", Tier.P1),  # noqa: E501 -- table row
    ],
)  # fmt: skip
def test_floor_fires_and_lifts_tier(
    floor: str, body: dict[str, Any], kind: str, expected: Tier
) -> None:
    """Each default floor fires on its condition, is listed, and gives at least its tier."""
    priority = run(body, kind)
    assert expected == priority.tier
    assert any(detail.startswith(f"{floor}:") for detail in fired(priority, "floor"))


def test_trusted_flagger_floor_needs_serious_harm() -> None:
    """A trusted-flagger notice on spam (severity 1) gets no floor."""
    priority = run({"policy_area": "spam"}, "trusted_flagger")
    assert ([], Tier.P3) == (fired(priority, "floor"), priority.tier)


@pytest.mark.parametrize(
    ("area", "signals", "severity"),
    [
        ("violent_threat", {}, 4),
        ("violent_threat", {"imminence": "imminent_specific"}, 5),
        ("self_harm", {"imminence": "possible"}, 4),
        ("self_harm", {"imminence": "likely"}, 5),
        ("harassment", {}, 2),
        ("harassment", {"minors": "suspected"}, 3),
        ("child_safety", {}, 5),
        ("spam", {}, 1),
    ],
)
def test_severity_baseline_and_raises(area: str, signals: dict[str, Any], severity: int) -> None:
    """Severity by policy area, raised for the worse form of the harm.

    The baseline: docs/contract/priority-and-assignment.md, "Severity by policy area".
    """
    priority = run({"policy_area": area, "signals": signals})
    assert [f"{area} severity {severity}"] == [
        r.detail for r in priority.reasons if r.factor == "severity"
    ]


def test_reach_is_on_a_log_scale_and_capped() -> None:
    """Ten times the impressions adds a fixed step; a billion is capped."""
    steps = [
        points(run({"policy_area": "spam", "reach": {"impressions_24h": n}}), "reach")
        for n in (999, 9_999, 10**9)
    ]
    assert [10.5, 14.0, 21.0] == steps


def test_damping_by_violation_likelihood() -> None:
    """A harm core of 20 is kept whole at likelihood 1 and cut to 40 % at 0."""
    sure = run({"policy_area": "hate_speech", "signals": {"violation_likelihood": 1.0}})
    doubt = run({"policy_area": "hate_speech", "signals": {"violation_likelihood": 0.0}})
    damping = [points(p, "violation_likelihood") for p in (sure, doubt)]
    assert [0.0, -12.0] == damping


def test_source_kinds_rank_authorities_above_stakeholders_and_users() -> None:
    """Regulator > law enforcement > trusted flagger > legal > internal tool > user report."""
    order = ["regulator", "law_enforcement", "trusted_flagger", "legal", "internal_tool"]
    order.append("user_report")
    values = [points(run({"policy_area": "spam"}, kind), "source") for kind in order]
    assert sorted(values, reverse=True) == values
    assert len(set(values)) == len(values)


def test_extra_reports_add_diminishing_points() -> None:
    """Each doubling of reports adds the same step, up to the cap."""
    values = [points(run({"policy_area": "spam"}, reports=n), "reports") for n in (1, 2, 4, 1000)]
    assert [0.0, 3.0, 6.0, 10.0] == values


def test_rescoring_with_duplicates_raises_the_score() -> None:
    """Merging duplicates re-scores with more reports and never lowers the score."""
    first, merged = run(HATE_2K), run(HATE_2K, reports=8)
    assert first.score + 9 == merged.score


def test_reasons_add_up_to_the_score() -> None:
    """Every point is listed: the factor points sum to the score."""
    body = {
        "policy_area": "self_harm",
        "reach": {"impressions_24h": 40_000, "followers": 1200},
        "signals": {"imminence": "likely", "at_risk_user": True, "press_inquiry": True},
    }
    priority = run(body, "trusted_flagger", reports=3)
    assert priority.score == round(sum(r.points for r in priority.reasons))


@pytest.mark.parametrize(
    ("tier_body", "acknowledge", "resolve"),
    [
        ({"policy_area": "violent_threat", "signals": {"imminence": "imminent_specific"}}, timedelta(minutes=5), timedelta(hours=4)),  # noqa: E501 -- table row
        ({"policy_area": "child_safety", "signals": {"minors": "confirmed"}}, timedelta(minutes=15), timedelta(hours=24)),  # noqa: E501 -- table row
        ({"policy_area": "hate_speech", "signals": {"violation_likelihood": 1}, "reach": {"impressions_24h": 10**6}}, timedelta(hours=1), timedelta(hours=72)),  # noqa: E501 -- table row
        (HATE_2K, timedelta(hours=8), timedelta(days=5)),
        ({"policy_area": "spam"}, timedelta(days=2), timedelta(days=10)),
    ],
)  # fmt: skip
def test_sla_per_tier(
    tier_body: dict[str, Any], acknowledge: timedelta, resolve: timedelta
) -> None:
    """Without a clock, deadlines are the tier's SLA from the intake time."""
    deadlines = run(tier_body).deadlines
    assert (T0 + acknowledge, T0 + resolve, None) == (
        deadlines.acknowledge_by,
        deadlines.resolve_by,
        deadlines.regulatory_deadline,
    )


def test_clock_runs_from_regulatory_received_at_not_intake() -> None:
    """An eSafety notice received upstream an hour before intake is due 24 h after receipt."""
    body = {
        "policy_area": "ncii",
        "regulatory": {"regime": "esafety_removal_notice", "received_at": "2026-11-25T08:00:00Z"},
    }
    deadlines = run(body, "regulator").deadlines
    assert datetime(2026, 11, 26, 8, tzinfo=UTC) == deadlines.regulatory_deadline
    # P1 SLA would be T0 + 24 h; the clock minus 20 % of 24 h (4h48m) is earlier.
    assert datetime(2026, 11, 26, 3, 12, tzinfo=UTC) == deadlines.resolve_by


def test_short_explicit_deadline_keeps_a_ten_minute_buffer() -> None:
    """A 30-minute order gets the 10-minute minimum buffer, and acknowledge before it."""
    body = {
        "policy_area": "other",
        "regulatory": {"regime": "dsa_authority_order", "deadline": "2026-11-25T09:30:00Z"},
    }
    deadlines = run(body, "regulator").deadlines
    assert T0 + timedelta(minutes=20) == deadlines.resolve_by
    assert T0 + timedelta(minutes=5) == deadlines.acknowledge_by


def test_regime_none_has_no_clock() -> None:
    """Regime ``none`` runs no clock and adds no legal exposure."""
    priority = run({"policy_area": "hate_speech", "regulatory": {"regime": "none"}}, "legal")
    assert (None, 0.0) == (
        priority.deadlines.regulatory_deadline,
        points(priority, "legal_exposure"),
    )


@pytest.mark.parametrize(
    ("left", "expected"),
    [
        (timedelta(days=10), Tier.P2),
        (timedelta(hours=72), Tier.P2),
        (timedelta(hours=24, minutes=1), Tier.P2),
        (timedelta(hours=24), Tier.P1),
        (timedelta(hours=2, seconds=1), Tier.P1),
        (timedelta(hours=2), Tier.P0),
        (timedelta(minutes=-5), Tier.P0),
    ],
)
def test_regulator_request_rises_as_its_clock_runs_down(left: timedelta, expected: Tier) -> None:
    """A request due in 10 days is P2 now, P1 under 24 h left, P0 under 2 h."""
    deadline = T0 + timedelta(days=10)
    assert expected == run(REGULATOR_10D, "regulator", at=deadline - left).tier


def test_rising_tier_only_tightens_deadlines() -> None:
    """When the deadline tier raises the tier, no deadline moves later and the tier start moves."""
    early = run(REGULATOR_10D, "regulator")
    late = run(REGULATOR_10D, "regulator", at=T0 + timedelta(days=9, hours=23))
    assert early.deadlines == late.deadlines
    assert T0 + timedelta(days=9, hours=22) == late.tier_since


def test_deadline_tier_for_a_clock_started_late() -> None:
    """A 24 h eSafety notice is P1 at once; its tier started at intake, not before it."""
    body = {"policy_area": "spam", "regulatory": {"regime": "esafety_removal_notice"}}
    priority = run(body, "regulator")
    assert (Tier.P1, T0) == (priority.tier, priority.tier_since)


def test_next_rescore_at_follows_the_deadline_tier_boundaries() -> None:
    """The router's timer fires at 24 h left, then at 2 h left, then never."""
    deadline = T0 + timedelta(days=10)

    def next_at(at: datetime) -> datetime | None:
        return next_rescore_at(
            esc(**REGULATOR_10D),
            source_kind=SourceKind.REGULATOR,
            received_at=T0,
            at=at,
            config=CONFIG,
        )

    assert deadline - timedelta(hours=24) == next_at(T0)
    assert deadline - timedelta(hours=2) == next_at(deadline - timedelta(hours=24))
    assert next_at(deadline - timedelta(hours=2)) is None


def test_next_rescore_at_is_none_without_a_clock_or_when_already_p0() -> None:
    """No clock, or a floor already at P0, needs no re-scoring timer."""
    plain = esc(policy_area="hate_speech")
    order = esc(policy_area="other", regulatory={"regime": "terreg_removal_order"})
    results = [
        next_rescore_at(e, source_kind=SourceKind.REGULATOR, received_at=T0, at=T0, config=CONFIG)
        for e in (plain, order)
    ]
    assert [None, None] == results


INTERNAL_10D = {"policy_area": "other", "regulatory": {"regime": "regulator_request"}}


@pytest.mark.parametrize(
    ("case", "regulatory", "left", "expected"),
    [
        ("regulator request, 10 days left", {"regime": "regulator_request"}, "10d", Tier.P2),
        ("EPOC production order, 10 days left", {"regime": "epoc"}, "10d", Tier.P2),
        ("DSA notice, internal target 72 h", {"regime": "dsa_notice"}, "3d", Tier.P2),
        (
            "explicit deadline 30 days out, no regime",
            {"regime": "none", "deadline": "2026-12-25T09:00:00Z"},
            "30d",
            Tier.P2,
        ),
        (
            "explicit deadline 30 days out",
            {"regime": "dsa_information_order", "deadline": "2026-12-25T09:00:00Z"},
            "30d",
            Tier.P2,
        ),
    ],
)
def test_any_running_clock_gives_at_least_p2(
    case: str, regulatory: dict[str, Any], left: str, expected: Tier
) -> None:
    """An internal tool's low-severity request on a regulatory clock is P2, with the reason."""
    priority = run({"policy_area": "other", "regulatory": regulatory}, "internal_tool")
    assert expected == priority.tier, case
    detail = f"regulatory clock running ({left} left) -> at least P2"
    assert [detail] == fired(priority, "deadline_tier"), case


@pytest.mark.parametrize(
    ("left", "expected"),
    [
        (timedelta(days=10), Tier.P2),
        (timedelta(hours=24, seconds=1), Tier.P2),
        (timedelta(hours=24), Tier.P1),
        (timedelta(hours=2, seconds=1), Tier.P1),
        (timedelta(hours=2), Tier.P0),
    ],
)
def test_internal_tool_regulator_request_rises_from_p2(left: timedelta, expected: Tier) -> None:
    """The case from an internal tool: P2 now, P1 under 24 h left, P0 under 2 h.

    One of the cases to check: docs/contract/priority-and-assignment.md, "Cases to check".
    """
    deadline = T0 + timedelta(days=10)
    assert expected == run(INTERNAL_10D, "internal_tool", at=deadline - left).tier


@pytest.mark.parametrize(
    ("case", "regulatory", "config"),
    [
        ("no regime", {"regime": "none"}, CONFIG),
        (
            "a regime whose clock the configuration removed",
            {"regime": "regulator_request"},
            PriorityConfig.model_validate({"clocks": {"regulator_request": None}}),
        ),
    ],
)
def test_no_running_clock_gives_no_deadline_tier(
    case: str, regulatory: dict[str, Any], config: PriorityConfig
) -> None:
    """Without a clock there is no deadline tier: the low-severity request stays P4/P3."""
    priority = run(
        {"policy_area": "other", "regulatory": regulatory}, "internal_tool", config=config
    )
    assert [] == fired(priority, "deadline_tier"), case
    assert Tier.P2.rank < priority.tier.rank, case


def test_running_clock_tier_is_held_from_intake() -> None:
    """The P2 of a running clock starts at intake: its SLA runs from there, no rise is timed."""
    priority = run(INTERNAL_10D, "internal_tool")
    expected = (Tier.P2, T0, T0 + timedelta(hours=1), T0 + timedelta(hours=72))
    deadlines = priority.deadlines
    assert expected == (
        priority.tier,
        priority.tier_since,
        deadlines.acknowledge_by,
        deadlines.resolve_by,
    )
    rise = next_rescore_at(
        esc(**INTERNAL_10D),
        source_kind=SourceKind.INTERNAL_TOOL,
        received_at=T0,
        at=T0,
        config=CONFIG,
    )
    assert T0 + timedelta(days=9) == rise


def test_running_clock_tier_can_be_configured() -> None:
    """A deadline tier without ``within`` is configuration: a desk may hold clocks at P1."""
    config = PriorityConfig.model_validate(
        {"deadline_tiers": [{"within": "2h", "tier": "P0"}, {"tier": "P1"}]}
    )
    assert Tier.P1 == run(INTERNAL_10D, "internal_tool", config=config).tier


def test_naive_time_is_rejected_with_its_name() -> None:
    """A timestamp without a zone is an error naming the argument."""
    with pytest.raises(ValueError, match="received_at needs a time zone"):
        score(
            esc(policy_area="spam"),
            source_kind=SourceKind.USER_REPORT,
            received_at=datetime(2026, 11, 25, 9),
            at=T0,
            config=CONFIG,
        )


def test_reports_below_one_are_rejected() -> None:
    """Zero reports is a caller bug, reported clearly."""
    with pytest.raises(ValueError, match="reports must be at least 1"):
        run({"policy_area": "spam"}, reports=0)


def test_custom_config_changes_the_outcome() -> None:
    """Weights, floors and SLAs come from configuration, e.g. a lead raising hate speech."""
    config = PriorityConfig.model_validate(
        {"policy_areas": {"hate_speech": {"severity": 5}}, "sla": {"P3": {"acknowledge": "4h"}}}
    )
    priority = run(HATE_2K, config=config)
    assert (Tier.P3, T0 + timedelta(hours=4)) == (priority.tier, priority.deadlines.acknowledge_by)
    severity = [r.detail for r in priority.reasons if r.factor == "severity"]
    assert ["hate_speech severity 5"] == severity


# Property tests: invariants over random escalations.

AREAS = [area.value for area in PolicyArea]
REGIMES = [regime.value for regime in Regime]
IMMINENCE = [level.value for level in Imminence]
MINORS = [level.value for level in Minors]

signals_st = st.fixed_dictionaries(
    {
        "imminence": st.sampled_from(IMMINENCE),
        "minors": st.sampled_from(MINORS),
        "at_risk_user": st.booleans(),
        "high_profile_account": st.booleans(),
        "press_inquiry": st.booleans(),
        "advertiser_impact": st.booleans(),
        "executive_request": st.booleans(),
        "ongoing": st.booleans(),
        "graphic": st.booleans(),
        "violation_likelihood": st.floats(0, 1),
    }
)
reach_st = st.fixed_dictionaries(
    {
        "impressions_24h": st.integers(0, 10**10),
        "followers": st.integers(0, 10**9),
        "accounts_involved": st.integers(1, 10**5),
    }
)
regulatory_st = st.one_of(
    st.fixed_dictionaries({"regime": st.sampled_from(REGIMES)}),
    st.fixed_dictionaries(
        {
            "regime": st.sampled_from(REGIMES),
            "deadline": st.integers(-3600, 20 * 86400).map(
                lambda s: (T0 + timedelta(seconds=s)).isoformat()
            ),
        }
    ),
)
body_st = st.fixed_dictionaries(
    {
        "policy_area": st.sampled_from(AREAS),
        "reach": reach_st,
        "signals": signals_st,
        "regulatory": regulatory_st,
    }
)
kind_st = st.sampled_from([kind.value for kind in SourceKind])
at_st = st.integers(0, 15 * 86400).map(lambda s: T0 + timedelta(seconds=s))
reports_st = st.integers(1, 5000)


def worse(body: dict[str, Any], path: tuple[str, str], value: Any) -> dict[str, Any]:
    """Return a copy of the body with one nested field set."""
    outer, inner = path
    return {**body, outer: {**body[outer], inner: value}}


def assert_not_lower(before: Priority, after: Priority) -> None:
    """Neither the score nor the tier went down."""
    assert before.score <= after.score
    assert before.tier.rank >= after.tier.rank


@given(body=body_st, kind=kind_st, at=at_st, reports=reports_st)
def test_score_is_within_0_and_100_and_explained(
    body: dict[str, Any], kind: str, at: datetime, reports: int
) -> None:
    """The score stays in 0..100 and equals the listed points unless clamped at 100."""
    priority = run(body, kind, at=at, reports=reports)
    listed = sum(reason.points for reason in priority.reasons)
    assert 0 <= priority.score <= 100
    assert min(100, math.floor(listed + 0.5)) == priority.score


REACH_FIELDS = ["impressions_24h", "followers", "accounts_involved"]


@given(
    body=body_st,
    kind=kind_st,
    at=at_st,
    field=st.sampled_from(REACH_FIELDS),
    more=st.integers(0, 10**9),
)
def test_more_reach_never_lowers_the_score(
    body: dict[str, Any], kind: str, at: datetime, field: str, more: int
) -> None:
    """Growing impressions, followers or accounts never lowers score or tier."""
    grown = worse(body, ("reach", field), body["reach"][field] + more)
    assert_not_lower(run(body, kind, at=at), run(grown, kind, at=at))


@given(body=body_st, kind=kind_st, at=at_st, data=st.data())
def test_more_signals_never_lower_the_score(
    body: dict[str, Any], kind: str, at: datetime, data: st.DataObject
) -> None:
    """Raising any one signal (imminence, minors, flags, likelihood) never lowers score or tier."""
    signals = body["signals"]
    field = data.draw(st.sampled_from(sorted(signals)))
    current = signals[field]
    if isinstance(current, bool):
        value: Any = True
    elif isinstance(current, float):
        value = data.draw(st.floats(current, 1.0))
    else:
        order = IMMINENCE if field == "imminence" else MINORS
        value = data.draw(st.sampled_from(order[order.index(current) :]))
    stronger = worse(body, ("signals", field), value)
    assert_not_lower(run(body, kind, at=at), run(stronger, kind, at=at))


@given(body=body_st, kind=kind_st, at=at_st, reports=reports_st, more=st.integers(0, 5000))
def test_more_reports_never_lower_the_score(
    body: dict[str, Any], kind: str, at: datetime, reports: int, more: int
) -> None:
    """Merging duplicates never lowers score or tier."""
    before = run(body, kind, at=at, reports=reports)
    assert_not_lower(before, run(body, kind, at=at, reports=reports + more))


@given(body=body_st, kind=kind_st, at=at_st)
def test_deadlines_never_later_than_the_regulatory_clock(
    body: dict[str, Any], kind: str, at: datetime
) -> None:
    """Acknowledge and resolve deadlines are never after the regulatory deadline."""
    deadlines = run(body, kind, at=at).deadlines
    if deadlines.regulatory_deadline is not None:
        assert deadlines.acknowledge_by <= deadlines.regulatory_deadline
        assert deadlines.resolve_by < deadlines.regulatory_deadline


@given(body=body_st, kind=kind_st, at=at_st, later=st.integers(0, 15 * 86400))
def test_time_passing_never_lowers_the_tier_nor_relaxes_deadlines(
    body: dict[str, Any], kind: str, at: datetime, later: int
) -> None:
    """Re-scoring later keeps the score, never lowers the tier and never delays a deadline."""
    before = run(body, kind, at=at)
    after = run(body, kind, at=at + timedelta(seconds=later))
    assert before.score == after.score
    assert before.tier.rank >= after.tier.rank
    assert before.deadlines.acknowledge_by >= after.deadlines.acknowledge_by
    assert before.deadlines.resolve_by >= after.deadlines.resolve_by


@given(
    area=st.sampled_from(PolicyArea),
    regime=st.sampled_from(Regime),
    kind=st.sampled_from(SourceKind),
    imminence=st.sampled_from(Imminence),
    minors=st.sampled_from(Minors),
    ongoing=st.booleans(),
    severity=st.integers(1, 5),
)
def test_floors_for_the_facts_fire_as_all_floors_would(
    area: PolicyArea,
    regime: Regime,
    kind: SourceKind,
    imminence: Imminence,
    minors: Minors,
    ongoing: bool,
    severity: int,
) -> None:
    """Narrowing the floors by area, regime and source leaves out only floors that cannot fire."""
    esc = EscalationIn.model_validate(
        {
            "title": "t",
            "policy_area": area,
            "signals": {"imminence": imminence, "minors": minors, "ongoing": ongoing},
            "regulatory": {"regime": regime},
        }
    )
    config = PriorityConfig()
    everything = [rule for rule in config.floors if fires(rule, esc, kind, severity)]
    narrowed = config.floors_for(area, regime, kind)
    assert everything == [rule for rule in narrowed if fires(rule, esc, kind, severity)]

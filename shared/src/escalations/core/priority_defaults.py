"""Default priority data, as plain values the config model validates.

The defaults and where they come from: docs/contract/priority-and-assignment.md.

Kept apart from the model so the numbers a legal team or a lead revises sit in one table.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from escalations.core.escalation import Imminence, Minors, Regime, SourceKind

SEVERITY_POINTS: dict[int, float] = {1: 5.0, 2: 12.0, 3: 20.0, 4: 28.0, 5: 36.0}

IMMINENCE_POINTS: dict[Imminence, float] = {
    Imminence.NONE: 0.0,
    Imminence.POSSIBLE: 8.0,
    Imminence.LIKELY: 16.0,
    Imminence.IMMINENT_SPECIFIC: 30.0,
}

MINORS_POINTS: dict[Minors, float] = {
    Minors.NONE: 0.0,
    Minors.SUSPECTED: 8.0,
    Minors.CONFIRMED: 15.0,
}

# Authorities and trusted flaggers outrank internal stakeholders and users (DSA Art. 22);
# press, executive and sales sources add attention points instead, which are capped.
SOURCE_POINTS: dict[SourceKind, float] = {
    SourceKind.REGULATOR: 22.0,
    SourceKind.LAW_ENFORCEMENT: 20.0,
    SourceKind.TRUSTED_FLAGGER: 15.0,
    SourceKind.LEGAL: 8.0,
    SourceKind.INTERNAL_TOOL: 2.0,
    SourceKind.MONITORING: 2.0,
    SourceKind.EXECUTIVE: 0.0,
    SourceKind.PRESS: 0.0,
    SourceKind.SALES: 0.0,
    SourceKind.USER_REPORT: 0.0,
}

LEGAL_EXPOSURE_POINTS: dict[Regime, float] = {
    Regime.TERREG_REMOVAL_ORDER: 20.0,
    Regime.EPOC_EMERGENCY: 20.0,
    Regime.ESAFETY_REMOVAL_NOTICE: 15.0,
    Regime.NETZDG_MANIFESTLY_UNLAWFUL: 12.0,
    Regime.TAKE_IT_DOWN_REQUEST: 15.0,
    Regime.EPOC: 10.0,
    Regime.NCMEC_REPORT: 15.0,
    Regime.DSA_AUTHORITY_ORDER: 15.0,
    Regime.DSA_INFORMATION_ORDER: 12.0,
    Regime.DSA_TRUSTED_FLAGGER: 10.0,
    Regime.DSA_NOTICE: 6.0,
    Regime.REGULATOR_REQUEST: 12.0,
    Regime.LAW_ENFORCEMENT_REQUEST: 12.0,
    Regime.PRESERVATION_REQUEST: 8.0,
    Regime.NONE: 0.0,
}

ATTENTION_POINTS: dict[str, float] = {
    "press_inquiry": 4.0,
    "high_profile_account": 3.0,
    "advertiser_impact": 3.0,
    "executive_request": 4.0,
}

ATTENTION_FROM_SOURCE: dict[SourceKind, str] = {
    SourceKind.PRESS: "press_inquiry",
    SourceKind.EXECUTIVE: "executive_request",
    SourceKind.SALES: "advertiser_impact",
}


def _area(baseline: int, category: str, *, graphic: bool = False, **raise_: Any) -> dict[str, Any]:
    raises = [raise_] if raise_ else []
    return {"severity": baseline, "graphic": graphic, "dsa_category": category, "raises": raises}


POLICY_AREAS: dict[str, dict[str, Any]] = {
    "child_safety": _area(5, "PROTECTION_OF_MINORS", graphic=True),
    "violent_extremism": _area(5, "RISK_FOR_PUBLIC_SECURITY", graphic=True),
    "human_exploitation": _area(5, "VIOLENCE"),
    "violent_threat": _area(4, "VIOLENCE", severity=5, imminence_at_least="imminent_specific"),
    "self_harm": _area(4, "SELF_HARM", graphic=True, severity=5, imminence_at_least="likely"),
    "ncii": _area(4, "CYBER_VIOLENCE", graphic=True),
    "dangerous_acts": _area(3, "PROTECTION_OF_MINORS"),
    "graphic_violence": _area(3, "VIOLENCE", graphic=True),
    "hate_speech": _area(3, "ILLEGAL_OR_HARMFUL_SPEECH"),
    "privacy": _area(3, "DATA_PROTECTION_AND_PRIVACY_VIOLATIONS"),
    "misinformation": _area(3, "NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS"),
    "regulated_goods": _area(3, "UNSAFE_AND_PROHIBITED_PRODUCTS"),
    "animal_welfare": _area(3, "ANIMAL_WELFARE", graphic=True),
    "harassment": _area(2, "CYBER_VIOLENCE", severity=3, minors_at_least="suspected"),
    "scams_fraud": _area(2, "SCAMS_AND_FRAUD"),
    "impersonation": _area(2, "SCAMS_AND_FRAUD"),
    "adult_sexual": _area(1, "OTHER_VIOLATION_TC"),
    "ip_infringement": _area(1, "INTELLECTUAL_PROPERTY_INFRINGEMENTS"),
    "spam": _area(1, "SCAMS_AND_FRAUD"),
    "other": _area(1, "NOT_SPECIFIED_NOTICE"),
}

FLOORS: list[dict[str, Any]] = [
    {
        "name": "threat_to_life",
        "tier": "P0",
        "imminence_at_least": "imminent_specific",
        "detail": "credible threat to life or safety with a target, time or place (DSA Art. 18)",
    },
    {"name": "terreg_removal_order", "tier": "P0", "regimes": ["terreg_removal_order"],
     "detail": "1-hour terrorist content removal order"},
    {"name": "epoc_emergency", "tier": "P0", "regimes": ["epoc_emergency"],
     "detail": "8-hour emergency production order"},
    {"name": "child_sexual_exploitation_ongoing", "tier": "P0",
     "policy_areas": ["child_safety"], "minors_at_least": "confirmed", "ongoing": True,
     "detail": "confirmed child sexual exploitation that is ongoing"},
    {"name": "child_sexual_exploitation", "tier": "P1", "policy_areas": ["child_safety"],
     "minors_at_least": "confirmed", "detail": "confirmed child sexual exploitation"},
    {"name": "intimate_image_takedown", "tier": "P1", "regimes": ["take_it_down_request"],
     "detail": "TAKE IT DOWN intimate-image removal request"},
    {"name": "esafety_notice", "tier": "P1", "regimes": ["esafety_removal_notice"],
     "detail": "eSafety removal notice"},
    {"name": "trusted_flagger_serious_harm", "tier": "P1", "source_kinds": ["trusted_flagger"],
     "min_severity": 3, "detail": "trusted-flagger notice on serious harm (DSA Art. 22)"},
    {"name": "trusted_flagger_notice_serious_harm", "tier": "P1",
     "regimes": ["dsa_trusted_flagger"], "min_severity": 3,
     "detail": "trusted-flagger notice on serious harm (DSA Art. 22)"},
]  # fmt: skip

# Without ``within``: while any regulatory clock runs, however much is left
# (docs/contract/priority-and-assignment.md, "Regulatory clocks").
DEADLINE_TIERS: list[dict[str, Any]] = [
    {"within": timedelta(hours=2), "tier": "P0"},
    {"within": timedelta(hours=24), "tier": "P1"},
    {"tier": "P2"},
]

SLA: dict[str, dict[str, timedelta]] = {
    "P0": {"acknowledge": timedelta(minutes=5), "resolve": timedelta(hours=4)},
    "P1": {"acknowledge": timedelta(minutes=15), "resolve": timedelta(hours=24)},
    "P2": {"acknowledge": timedelta(hours=1), "resolve": timedelta(hours=72)},
    "P3": {"acknowledge": timedelta(hours=8), "resolve": timedelta(days=5)},
    "P4": {"acknowledge": timedelta(days=2), "resolve": timedelta(days=10)},
}

# Statutory clocks where the law sets one; internal targets where it says "without undue
# delay" or "as soon as reasonably possible". ``none`` has no clock.
# (docs/contract/priority-and-assignment.md, "Regulatory clocks").
CLOCKS: dict[str, timedelta | None] = {
    "terreg_removal_order": timedelta(hours=1),
    "epoc_emergency": timedelta(hours=8),
    "esafety_removal_notice": timedelta(hours=24),
    "netzdg_manifestly_unlawful": timedelta(hours=24),
    "take_it_down_request": timedelta(hours=48),
    "epoc": timedelta(days=10),
    "ncmec_report": timedelta(hours=24),
    "dsa_authority_order": timedelta(hours=24),
    "dsa_information_order": timedelta(hours=24),
    "dsa_trusted_flagger": timedelta(hours=24),
    "dsa_notice": timedelta(hours=72),
    "regulator_request": timedelta(days=10),
    "law_enforcement_request": timedelta(hours=72),
    "preservation_request": timedelta(hours=24),
    "none": None,
}

"""The router's memo of routing decisions answers what the pure ``route`` answers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from escalations.core.escalation import PolicyArea, Regime, SourceKind, Tier
from escalations.core.routing import RouteFacts, route
from escalations_router.domain.route_memo import ROUTES_REMEMBERED, Routes
from tests.unit.core.test_routing import RULES

FACTS = st.builds(
    RouteFacts,
    policy_area=st.sampled_from(PolicyArea),
    region=st.one_of(st.none(), st.sampled_from(["SG", "AU", "IE", "DE"])),
    language=st.one_of(st.none(), st.sampled_from(["de", "de-AT", "DE", "en", "en-GB"])),
    source=st.one_of(st.none(), st.sampled_from(["ads-sales", "tests"])),
    source_kind=st.one_of(st.none(), st.sampled_from(SourceKind)),
    regime=st.sampled_from(Regime),
    tier=st.one_of(st.none(), st.sampled_from(Tier)),
)


@given(st.lists(FACTS, max_size=40))
def test_remembered_routes_are_the_routes(facts: list[RouteFacts]) -> None:
    """Asked in any order, any number of times, the memo answers what ``route`` answers."""
    routes = Routes(RULES)
    for one in facts + facts:
        assert route(RULES, one) == routes(one)


def test_remembered_routes_stay_bounded() -> None:
    """Facts come from input: the memo starts again rather than grow without end."""
    routes = Routes(RULES)
    for n in range(ROUTES_REMEMBERED + 10):
        decided = routes(RouteFacts(policy_area=PolicyArea.SPAM, source=f"source-{n}"))
        assert "default" == decided.rule
    assert len(routes._decided) <= ROUTES_REMEMBERED

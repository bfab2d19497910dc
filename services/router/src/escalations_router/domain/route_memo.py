"""Routing decisions the router remembers under one configuration (a memo of ``route``).

``escalations.core.routing.route`` is pure, and escalations alike (same area, region,
language, source, tier) are routed alike: a router routes every escalation, and matching
each against every rule was a visible share of its CPU (docs/performance.md). The core
stays free of caches; the router keeps this memo beside its configuration and passes the
decision it remembered to ``escalations.core.decide.decide_routed``.
"""

from __future__ import annotations

from escalations.core.routing import RouteDecision, RouteFacts, RoutingConfig, route

ROUTES_REMEMBERED = 4096
"""How many distinct facts a ``Routes`` memo keeps before it starts again (facts come from
input: region, language and source are open-ended)."""


class Routes:
    """Routing decisions already made under one routing configuration, by facts.

    Keep one per configuration; a new configuration needs a new memo.
    """

    def __init__(self, config: RoutingConfig) -> None:
        self.config = config
        self._decided: dict[RouteFacts, RouteDecision] = {}

    def __call__(self, facts: RouteFacts) -> RouteDecision:
        """Return ``route(config, facts)``, remembered."""
        decided = self._decided.get(facts)
        if decided is None:
            decided = route(self.config, facts)
            if len(self._decided) >= ROUTES_REMEMBERED:
                self._decided.clear()
            self._decided[facts] = decided
        return decided

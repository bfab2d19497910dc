"""Read the escalation page's Followers section: active subscriptions and matching rules.

A thin adapter over ``escalation_subscriptions`` (``db.subscriptions``); the section is made
by ``followers_view`` (pure) from what is read here (docs/console.md, "Escalation page").
"""

from __future__ import annotations

from typing import Any

from escalations.db.models import EscalationRow
from escalations_intake.console.escalation_data import facts_of
from escalations_intake.console.followers_view import followers_view, may_manage
from escalations_intake.console.people import ConsolePerson
from escalations_intake.db import Sessions
from escalations_intake.db import subscriptions as store
from escalations_intake.resources.subscription_views import matching_rules


async def followers_context(
    person: ConsolePerson, sessions: Sessions, row: EscalationRow
) -> dict[str, Any]:
    """Return the Followers section's data for the escalation page."""
    config = person.config
    rows = await store.active(sessions, row.id)
    manage = may_manage(config, person.roles, person.may_act, facts_of(row))
    names = {p.id: p.name for p in config.people}
    return followers_view(
        rows,
        matching_rules(config, row),
        names,
        person.person,
        manage=manage,
        status=row.status,
    )

"""The escalation page's Followers section as plain data: who follows, and what one may do.

Pure, no I/O. Anyone who may read an escalation follows it themselves and stops their own
following (``escalations.subscribe``); adding an e-mail address as a follower or removing
another's subscription needs the right to act on it, as acknowledging does
(``auth.access_rules.on_subscription``, docs/contract/access.md), and `escalations:act`. A
resolved escalation takes no new followers. URLs are shown as their origin only
(``resources.subscription_views.shown_target``; docs/console.md, "Escalation page").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from escalations.contracts.events import Status
from escalations.core.access import PersonRoles
from escalations.core.config import Config
from escalations.db.models_stakeholders import SubscriptionRow
from escalations_intake.auth.access_rules import EscalationFacts, on_subscription
from escalations_intake.resources.subscription_views import shown_target

DONE = {
    "followed": "You follow this escalation: you hear of its changes and stakeholder updates.",
    "unfollowed": "You no longer follow this escalation.",
    "follower_added": "Follower added.",
    "follower_removed": "Follower removed.",
}
KIND_LABELS = {
    "person": "Person",
    "email": "E-mail",
    "webhook": "Webhook",
    "slack": "Slack",
    "teams": "Teams",
}


def may_manage(config: Config, roles: PersonRoles, may_act: bool, facts: EscalationFacts) -> bool:
    """Return whether the person may add others as followers and remove anyone's."""
    return may_act and on_subscription(config, roles, facts, own=False) is None


def is_own(row: SubscriptionRow, person: str) -> bool:
    """Return whether the subscription is the person's own: it follows them, or they made it."""
    return (row.kind == "person" and row.target == person) or row.created_by == person


def followers_view(
    rows: Sequence[SubscriptionRow],
    rules: Sequence[str],
    names: Mapping[str, str],
    person: str,
    *,
    manage: bool,
    status: str,
) -> dict[str, Any]:
    """Return the section's data: the rows as shown, the matching rules, what is offered."""
    shown = [
        {
            "id": row.id,
            "kind": KIND_LABELS.get(row.kind, row.kind),
            "target": names.get(row.target, row.target)
            if row.kind == "person"
            else shown_target(row.kind, row.target),
            "by": names.get(row.created_by, row.created_by),
            "removable": manage or is_own(row, person),
        }
        for row in rows
    ]
    mine = next((r.id for r in rows if r.kind == "person" and r.target == person), None)
    open_ = status != Status.RESOLVED.value
    return {
        "followers": shown,
        "rules": list(rules),
        "following": mine,
        "may_follow": open_ and mine is None,
        "may_add": open_ and manage,
    }

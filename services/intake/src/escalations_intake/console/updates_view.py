"""The escalation page's status updates: who may post, and the list as shown. Pure, no I/O.

Posting an update is ``escalations.act`` on the escalation, which its owner and the people
it paged may do whatever their team, as for acknowledge (``auth.access_rules.on_escalation``,
docs/contract/access.md); nothing is posted on a resolved escalation (the router would
refuse it). The list is the read API's (``views.UpdateView``), so a sensitive escalation's
updates read ``[url]`` until revealed (docs/console.md, "Escalation page").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from escalations.contracts.events import Status
from escalations.contracts.updates import Audience
from escalations.core.access import Action, PersonRoles
from escalations.core.config import Config
from escalations_intake.auth.access_rules import EscalationFacts, on_escalation
from escalations_intake.views import UpdateView

# How the page names each audience (its badge and the form's choices).
AUDIENCES: tuple[tuple[str, str], ...] = (
    (Audience.TEAM.value, "Team (note)"),
    (Audience.STAKEHOLDERS.value, "Stakeholders"),
    (Audience.REQUESTER.value, "Requester"),
)
_LABELS = dict(AUDIENCES)


def may_post(
    config: Config, roles: PersonRoles, may_act: bool, facts: EscalationFacts, status: str
) -> bool:
    """Return whether the page offers the person the update and note forms."""
    if not may_act or status == Status.RESOLVED.value:
        return False
    refusal = on_escalation(
        config, roles, Action.ESCALATIONS_ACT, facts, facts.id, acknowledging=True
    )
    return refusal is None


def updates_view(updates: Sequence[UpdateView], names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Return the updates as shown, newest first: audience badge, who, when, the text."""
    return [
        {
            "id": u.id,
            "audience": u.audience.value,
            "label": _LABELS.get(u.audience.value, u.audience.value),
            "by": u.by,
            "by_name": names.get(u.by),
            "at": u.at.isoformat(),
            "text": u.text,
        }
        for u in updates
    ]

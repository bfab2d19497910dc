"""The role x endpoint matrix: which ``Action`` each HTTP endpoint is, and what it is on.

With ``ACTIONS`` (``escalations.core.access``) this says, for any role, which endpoints it
may call, on its own team and on others; docs/contract/access.md shows the same table, and
a test holds the two equal. Endpoints that are not a person's to call (integrations,
signed acknowledge links, secret calendar feeds, sign-in, health) are not listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from escalations.core.access import Action

Subject = Literal["none", "escalation", "team", "person"]
"""What the action is on: the team comes from the escalation, the path's ``{team}``, or the
teams whose schedule has the path's ``{person}`` (``allowed_for_person``)."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One method and path, the action it is, and what that action is on."""

    method: str
    path: str
    action: Action
    subject: Subject


_E = "/v1/escalations/{escalation_id}"
_T = "/v1/teams/{team}"
_P = "/v1/people/{person}"
_S = "/v1/sources/{source}/status-callback"

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/escalations", Action.ESCALATIONS_CREATE, "none"),
    Endpoint("GET", "/v1/escalations", Action.ESCALATIONS_READ, "none"),
    Endpoint("GET", _E, Action.ESCALATIONS_READ, "escalation"),
    Endpoint("POST", f"{_E}/reveal", Action.ESCALATIONS_READ, "escalation"),
    Endpoint("POST", f"{_E}/acknowledge", Action.ESCALATIONS_ACT, "escalation"),
    Endpoint("POST", f"{_E}/updates", Action.ESCALATIONS_ACT, "escalation"),
    Endpoint("POST", f"{_E}/resolve", Action.ESCALATIONS_ACT, "escalation"),
    Endpoint("POST", f"{_E}/reassign", Action.ESCALATIONS_REASSIGN, "escalation"),
    Endpoint("GET", f"{_E}/subscriptions", Action.ESCALATIONS_READ, "escalation"),
    Endpoint("POST", f"{_E}/subscriptions", Action.ESCALATIONS_SUBSCRIBE, "escalation"),
    Endpoint(
        "DELETE",
        f"{_E}/subscriptions/{{subscription_id}}",
        Action.ESCALATIONS_SUBSCRIBE,
        "escalation",
    ),
    Endpoint("GET", "/v1/oncall", Action.SCHEDULES_READ, "none"),
    Endpoint("POST", "/v1/simulate", Action.SCHEDULES_READ, "none"),
    Endpoint("GET", f"{_T}/overrides", Action.SCHEDULES_READ, "team"),
    Endpoint("POST", f"{_T}/overrides", Action.SCHEDULES_WRITE, "team"),
    Endpoint("DELETE", f"{_T}/overrides/{{override_id}}", Action.SCHEDULES_WRITE, "team"),
    Endpoint("GET", f"{_T}/schedule-history", Action.SCHEDULES_READ, "team"),
    Endpoint("GET", f"{_T}/schedule.ics", Action.SCHEDULES_READ, "team"),
    Endpoint("GET", f"{_T}/feeds", Action.SCHEDULES_READ, "team"),
    Endpoint("POST", f"{_T}/feeds", Action.SCHEDULES_WRITE, "team"),
    Endpoint("DELETE", f"{_T}/feeds/{{feed_id}}", Action.SCHEDULES_WRITE, "team"),
    Endpoint("GET", f"{_T}/handoff-notes", Action.HANDOFF_NOTES, "team"),
    Endpoint("POST", f"{_T}/handoff-notes", Action.HANDOFF_NOTES, "team"),
    Endpoint("GET", f"{_T}/handoffs", Action.HANDOFF_NOTES, "team"),
    Endpoint("GET", f"{_P}/time-off", Action.SCHEDULES_READ, "person"),
    Endpoint("POST", f"{_P}/time-off", Action.SCHEDULES_WRITE, "person"),
    Endpoint("DELETE", f"{_P}/time-off/{{time_off_id}}", Action.SCHEDULES_WRITE, "person"),
    Endpoint("GET", f"{_P}/schedule-history", Action.SCHEDULES_READ, "person"),
    Endpoint("GET", f"{_P}/oncall.ics", Action.SCHEDULES_READ, "person"),
    Endpoint("GET", f"{_P}/feeds", Action.SCHEDULES_READ, "person"),
    Endpoint("POST", f"{_P}/feeds", Action.SCHEDULES_WRITE, "person"),
    Endpoint("DELETE", f"{_P}/feeds/{{feed_id}}", Action.SCHEDULES_WRITE, "person"),
    Endpoint("GET", f"{_P}/tokens", Action.TOKENS_MANAGE_ANY, "person"),
    Endpoint("POST", f"{_P}/tokens", Action.TOKENS_MANAGE_ANY, "person"),
    Endpoint("DELETE", f"{_P}/tokens/{{token_id}}", Action.TOKENS_MANAGE_ANY, "person"),
    Endpoint("GET", "/v1/audit", Action.AUDIT_READ, "none"),
    Endpoint("PUT", _S, Action.SOURCES_MANAGE, "none"),
    Endpoint("GET", _S, Action.SOURCES_MANAGE, "none"),
    Endpoint("DELETE", _S, Action.SOURCES_MANAGE, "none"),
)
"""Every endpoint a person calls, in the order of docs/contract/access.md."""

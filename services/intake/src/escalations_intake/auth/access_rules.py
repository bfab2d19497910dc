"""What a person may do on one endpoint, decided from plain data (docs/contract/access.md).

Pure: the configuration, the person's roles, the endpoint and what it is on come in; out
comes ``None`` (allowed) or a ``Refusal`` with the status and the sentence to answer. The
request adapter (``auth.access``) finds the endpoint and loads the escalation; this says
what follows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from escalations.core.access import (
    ACTIONS,
    OWN_FORM,
    Action,
    PersonRoles,
    Standing,
    allowed,
    allowed_for_person,
    can_see,
)
from escalations.core.access_endpoints import ENDPOINTS, Endpoint
from escalations.core.config import Config

# The standings named in a refusal, weakest first ("needs lead or admin").
_NAMED = (Standing.RESPONDER, Standing.LEAD, Standing.ADMIN)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a person may not call an endpoint: ``404`` (need-to-know) or ``403`` (roles)."""

    status: int
    detail: str


@dataclass(frozen=True, slots=True)
class EscalationFacts:
    """What need-to-know and the matrix read of a stored escalation."""

    id: str
    team: str | None
    policy_area: str
    owner: str | None
    paged: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Visibility:
    """Which escalations a person may see, as a list filter (docs/contract/access.md).

    An escalation is visible when its policy area is not in ``restricted``, its team is in
    ``teams``, or ``person`` owns it or was paged for it.
    """

    person: str
    restricted: frozenset[str]
    teams: frozenset[str]


def endpoint_of(
    method: str, path: str, endpoints: Sequence[Endpoint] = ENDPOINTS
) -> Endpoint | None:
    """Return the endpoint of a method and route path template, or None (not a person's)."""
    for endpoint in endpoints:
        if endpoint.method == method and endpoint.path == path:
            return endpoint
    return None


def not_found(escalation_id: str) -> Refusal:
    """Return the answer to a missing escalation, which an invisible one gets too."""
    return Refusal(404, f"no escalation with id '{escalation_id}'")


def sees(config: Config, roles: PersonRoles, facts: EscalationFacts) -> bool:
    """Return whether the person may see the escalation (need-to-know)."""
    return can_see(
        config,
        roles,
        policy_area=facts.policy_area,
        team=facts.team,
        paged=facts.paged,
        owner=facts.owner,
    )


def visibility(config: Config, roles: PersonRoles) -> Visibility | None:
    """Return the list filter of a person, or None when they see every escalation."""
    restricted = frozenset(config.access.restricted_policy_areas)
    if roles.admin or not restricted:
        return None
    return Visibility(roles.person, restricted, roles.teams | roles.leads)


def on_escalation(
    config: Config,
    roles: PersonRoles,
    action: Action,
    facts: EscalationFacts | None,
    esc_id: str,
    *,
    acknowledging: bool = False,
) -> Refusal | None:
    """Decide an action on an escalation: ``404`` if missing or unseen, ``403`` if not allowed.

    ``acknowledging``: an act its owner and the people it paged may do whatever their team
    (acknowledge it, as the router accepts, and post an update on it; docs/contract/
    access.md, "What each role may do").
    """
    if facts is None or not sees(config, roles, facts):
        return not_found(esc_id)
    if allowed(roles, action, facts.team):
        return None
    involved = roles.person == facts.owner or roles.person in facts.paged
    if acknowledging and action is Action.ESCALATIONS_ACT and involved and not roles.viewer:
        return None
    where = f"team '{facts.team}'" if facts.team else f"escalation '{esc_id}' (no team)"
    return _forbidden(roles, action, f" on {where}", _needs(action))


def on_team(roles: PersonRoles, action: Action, team: str | None) -> Refusal | None:
    """Decide an action on a team (``None``: an action on no team)."""
    if allowed(roles, action, team):
        return None
    return _forbidden(roles, action, f" on team '{team}'" if team else "", _needs(action))


def on_person(config: Config, roles: PersonRoles, action: Action, person: str) -> Refusal | None:
    """Decide an action on what ``person`` owns (time off, calendar feeds, tokens)."""
    if allowed_for_person(config, roles, action, person):
        return None
    ways = [f"to be '{person}'"] if action in OWN_FORM else []
    teams = sorted(config.member_teams.get(person, frozenset()))
    if Standing.LEAD in ACTIONS[action] and teams:
        ways.append("lead of " + _either(teams))
    ways.append(Standing.ADMIN.value)
    return _forbidden(roles, action, f" for person '{person}'", _either(ways))


def _forbidden(roles: PersonRoles, action: Action, where: str, needs: str) -> Refusal:
    """Return the 403 naming the person, the action, what it is on and why not."""
    everyone_else = Standing.OTHER in ACTIONS[action]
    why = "a viewer only reads" if roles.viewer and everyone_else else f"needs {needs}"
    return Refusal(403, f"'{roles.person}' may not {action.value}{where}: {why}")


def _needs(action: Action) -> str:
    names = [s.value for s in _NAMED if s in ACTIONS[action]]
    return _either(names)


def _either(names: Iterable[str]) -> str:
    listed = list(names)
    if len(listed) <= 1:
        return "".join(listed)
    return ", ".join(listed[:-1]) + " or " + listed[-1]


def on_subscription(
    config: Config, roles: PersonRoles, facts: EscalationFacts, *, own: bool
) -> Refusal | None:
    """Decide subscribing someone else, or removing a subscription that is not one's own.

    Anyone who sees the escalation subscribes themselves and removes their own subscription
    (``escalations.subscribe``, which the endpoint table checks); anything more needs
    ``escalations.act`` as acknowledging does: the owning team, its owner or the people it
    paged (docs/contract/access.md, "What each role may do").
    """
    if own:
        return None
    refusal = on_escalation(
        config, roles, Action.ESCALATIONS_ACT, facts, facts.id, acknowledging=True
    )
    if refusal is None or refusal.status == 404:
        return refusal
    only = f"'{roles.person}' may subscribe only themselves and remove only their own subscriptions"
    if roles.viewer:
        return Refusal(403, f"{only}: a viewer only reads")
    where = f"team '{facts.team}'" if facts.team else "the escalation's team"
    return Refusal(
        403,
        f"{only}: subscribing someone else or removing another's subscription needs "
        f"{Action.ESCALATIONS_ACT.value} on {where} ({_needs(Action.ESCALATIONS_ACT)}), "
        "or to own the escalation or be paged for it",
    )

"""Roles and need-to-know: what a person may do, and who may see a restricted escalation.

The rules are docs/contract/access.md; the table there and ``ACTIONS`` here are held equal
by a test. Pure: everything comes from the configuration and the arguments.

A person's roles come from the configuration: ``admin`` and ``viewer`` from ``access``,
``lead`` of the teams that name them in ``lead`` or ``leads``, ``responder`` of the teams
whose schedule has them. How a person stands to the team an action is on (``Standing``)
decides whether the action is allowed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from escalations.core.config_model import Config


class Action(StrEnum):
    """Something a person may or may not do; the endpoints of each are in the contract."""

    ESCALATIONS_READ = "escalations.read"
    ESCALATIONS_CREATE = "escalations.create"
    ESCALATIONS_ACT = "escalations.act"
    ESCALATIONS_REASSIGN = "escalations.reassign"
    ESCALATIONS_SUBSCRIBE = "escalations.subscribe"
    SCHEDULES_READ = "schedules.read"
    SCHEDULES_WRITE = "schedules.write"
    SCHEDULES_WRITE_OWN = "schedules.write_own"
    TOKENS_MANAGE_OWN = "tokens.manage_own"
    TOKENS_MANAGE_ANY = "tokens.manage_any"
    HANDOFF_NOTES = "handoff_notes.write"
    AUDIT_READ = "audit.read"
    KEYS_MANAGE = "keys.manage"
    SOURCES_MANAGE = "sources.manage"


class Standing(StrEnum):
    """How a person stands to the team an action is on (a person may have several)."""

    ADMIN = "admin"
    LEAD = "lead"
    """Leads the team."""
    RESPONDER = "responder"
    """Is on the team's schedule."""
    OTHER = "other"
    """Not a viewer, and neither leads nor is on the team (always, for an action on no team)."""
    VIEWER = "viewer"
    """A stakeholder: reads only."""


_ALL = frozenset(Standing)
_NOT_VIEWER = _ALL - {Standing.VIEWER}
_TEAM = frozenset({Standing.ADMIN, Standing.LEAD, Standing.RESPONDER})
_LEADS = frozenset({Standing.ADMIN, Standing.LEAD})
_ADMIN = frozenset({Standing.ADMIN})

ACTIONS: Mapping[Action, frozenset[Standing]] = MappingProxyType(
    {
        Action.ESCALATIONS_READ: _ALL,
        Action.ESCALATIONS_CREATE: _NOT_VIEWER,
        Action.ESCALATIONS_ACT: _TEAM,
        Action.ESCALATIONS_REASSIGN: _LEADS,
        Action.ESCALATIONS_SUBSCRIBE: _ALL,
        Action.SCHEDULES_READ: _ALL,
        Action.SCHEDULES_WRITE: _LEADS,
        Action.SCHEDULES_WRITE_OWN: _NOT_VIEWER,
        Action.TOKENS_MANAGE_OWN: _ALL,
        Action.TOKENS_MANAGE_ANY: _ADMIN,
        Action.HANDOFF_NOTES: _TEAM,
        Action.AUDIT_READ: _ADMIN,
        Action.KEYS_MANAGE: _ADMIN,
        Action.SOURCES_MANAGE: _ADMIN,
    }
)
"""The role x action matrix: the standings that may do each action."""

OWN_FORM: Mapping[Action, Action] = MappingProxyType(
    {
        Action.SCHEDULES_WRITE: Action.SCHEDULES_WRITE_OWN,
        Action.TOKENS_MANAGE_ANY: Action.TOKENS_MANAGE_OWN,
    }
)
"""The action that covers a person's own time off, calendar feeds or tokens."""


@dataclass(frozen=True, slots=True)
class PersonRoles:
    """A person's roles, as the configuration gives them."""

    person: str
    admin: bool = False
    viewer: bool = False
    leads: frozenset[str] = frozenset()
    """The teams the person leads."""
    teams: frozenset[str] = frozenset()
    """The teams whose schedule has the person (responder)."""


def roles_of(config: Config, person_id: str) -> PersonRoles:
    """Return a configured person's roles; raise ``UnknownIdError`` for an unknown id."""
    config.person(person_id)
    return PersonRoles(
        person=person_id,
        admin=person_id in config.access.admins,
        viewer=person_id in config.access.viewers,
        leads=config.led_teams.get(person_id, frozenset()),
        teams=config.member_teams.get(person_id, frozenset()),
    )


def person_for_email(config: Config, email: str) -> str | None:
    """Return the person a verified e-mail address signs in (any case), or ``None``."""
    return config.sign_in_people.get(email.strip().lower())


def is_restricted(config: Config, policy_area: str) -> bool:
    """Return whether escalations in ``policy_area`` are need-to-know."""
    return policy_area in config.access.restricted_policy_areas


def standings(roles: PersonRoles, team: str | None) -> frozenset[Standing]:
    """Return how a person stands to ``team`` (``None``: an action on no team)."""
    found: set[Standing] = {Standing.ADMIN} if roles.admin else set()
    if roles.viewer:
        return frozenset({*found, Standing.VIEWER})
    if team is not None and team in roles.leads:
        found.add(Standing.LEAD)
    if team is not None and team in roles.teams:
        found.add(Standing.RESPONDER)
    if not {Standing.LEAD, Standing.RESPONDER} & found:
        found.add(Standing.OTHER)
    return frozenset(found)


def allowed(roles: PersonRoles, action: Action, team: str | None) -> bool:
    """Return whether the person may do ``action`` on ``team`` (``None``: on no team)."""
    return bool(standings(roles, team) & ACTIONS[action])


def allowed_for_person(config: Config, roles: PersonRoles, action: Action, person: str) -> bool:
    """Return whether the person may do ``action`` to what ``person`` owns.

    For time off, calendar feeds and tokens: one's own need the action's own form
    (``OWN_FORM``); someone else's need ``action`` on a team whose schedule has them, so a
    lead manages the time off of the people on their team.
    """
    own = OWN_FORM.get(action)
    if person == roles.person and own is not None and allowed(roles, own, None):
        return True
    teams = config.member_teams.get(person, frozenset())
    return allowed(roles, action, None) or any(allowed(roles, action, team) for team in teams)


def can_see(
    config: Config,
    roles: PersonRoles,
    *,
    policy_area: str,
    team: str | None,
    paged: Iterable[str],
    owner: str | None = None,
) -> bool:
    """Return whether the person may see an escalation (need-to-know).

    An escalation in a restricted policy area is visible only to the owning team (its
    responders and leads), the people its escalation policy paged (``paged``), its owner
    (a lead may hand it to someone outside the team), and admins.
    """
    if not is_restricted(config, policy_area) or roles.admin:
        return True
    if team is not None and (team in roles.teams or team in roles.leads):
        return True
    return roles.person == owner or roles.person in paged

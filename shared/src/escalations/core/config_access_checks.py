"""Checks of the roles and sign-in addresses, across the ``access``, ``teams`` and ``people``.

The rules (docs/contract/access.md, "Roles in the configuration"): every id names a known
person, once per list; a viewer is read-only, so is neither an admin nor a lead nor on a
schedule; an address signs in one person only, whatever its case.
"""

from __future__ import annotations

from collections.abc import Iterable

from escalations.core.config_access import AccessConfig
from escalations.core.config_checks import ConfigIssue, Loc, Parts, check_ref


def check_access(parts: Parts) -> list[ConfigIssue]:
    """Return every mistake in the roles and sign-in addresses of the parsed parts."""
    issues = []
    access = parts.access
    if access is not None:
        issues += _listed(parts, enumerate(access.admins), ("access", "admins"))
        viewers = _listed(parts, enumerate(access.viewers), ("access", "viewers"))
        issues += sorted(viewers + _viewers(parts, access), key=lambda issue: issue.loc)
    for index, team in parts.teams:
        issues += _listed(parts, enumerate(team.leads), ("teams", index, "leads"))
    for index, raw in parts.broken_teams:
        leads = raw.get("leads")
        if isinstance(leads, list):
            written = [(at, lead) for at, lead in enumerate(leads) if isinstance(lead, str)]
            issues += _listed(parts, written, ("teams", index, "leads"))
    return issues + _sign_in_addresses(parts)


def _listed(parts: Parts, ids: Iterable[tuple[int, str]], loc: Loc) -> list[ConfigIssue]:
    issues = []
    seen: set[str] = set()
    for index, person in ids:
        issues += check_ref(parts.person_ids, "person", person, (*loc, index))
        if person in seen:
            issues.append(ConfigIssue((*loc, index), f"'{person}' is listed twice; list once"))
        seen.add(person)
    return issues


def _viewers(parts: Parts, access: AccessConfig) -> list[ConfigIssue]:
    admins = set(access.admins)
    duties: dict[str, str] = {}
    for _, team in parts.teams:
        for person in sorted(team.leaders()):
            duties.setdefault(person, f"leads team '{team.id}'")
        for person in sorted(team.members()):
            duties.setdefault(person, f"is on the schedule of team '{team.id}'")
    issues = []
    for index, viewer in enumerate(access.viewers):
        if viewer in admins:
            duty = "is also in access.admins"
        elif viewer in duties:
            duty = duties[viewer]
        else:
            continue
        issues.append(
            ConfigIssue(
                ("access", "viewers", index),
                f"'{viewer}' {duty}, but a viewer is read-only; remove them from one of the two",
            )
        )
    return issues


def _sign_in_addresses(parts: Parts) -> list[ConfigIssue]:
    contacts: dict[str, list[str]] = {}
    for _, person in parts.people:
        if person.contacts.email is not None:
            contacts.setdefault(person.contacts.email.lower(), []).append(person.id)
    claimed: dict[str, tuple[int, str]] = {}
    issues = []
    for index, person in parts.people:
        for at, address in enumerate(person.sign_in_emails):
            key, loc = address.lower(), ("people", index, "sign_in_emails", at)
            owner = claimed.setdefault(key, (index, person.id))
            others = [other for other in contacts.get(key, []) if other != person.id]
            if owner[0] != index:
                issues.append(ConfigIssue(loc, _taken(address, owner[1], "sign_in_emails")))
            elif key in {earlier.lower() for earlier in person.sign_in_emails[:at]}:
                issues.append(ConfigIssue(loc, f"'{address}' is listed twice; list once"))
            elif others:
                issues.append(ConfigIssue(loc, _taken(address, others[0], "contacts.email")))
    return issues


def _taken(address: str, other: str, where: str) -> str:
    return (
        f"'{address}' already signs in '{other}' (their {where}; case does not matter); "
        "an address may sign in one person only"
    )

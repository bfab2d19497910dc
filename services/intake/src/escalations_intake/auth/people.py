"""People as callers: their principal, whether they are admin, and whom they may act as.

A person acts as themselves: a body ``by`` naming someone else is refused (403), one naming
them is accepted so existing clients keep working. A source key acts as ``system:<source>``:
a ``by`` naming a person is refused (403), and it cannot reassign; the router lets it
acknowledge and resolve the escalations of its own source (docs/contract/http-api.md).
"""

from __future__ import annotations

from escalations.contracts.events import PERSON_SOURCE_PREFIX
from escalations.core.access import Action, allowed_for_person, roles_of
from escalations.core.config import Config
from escalations.core.escalation import SourceKind
from escalations_intake.auth.principal import Principal, Scope
from escalations_intake.http.problems import Problem

EVERY_SCOPE = frozenset(Scope)
SOURCE_ACTS_AS_SYSTEM = "a source key acts as system:<source>"
PEOPLE_SIGN_IN = "a person signs in or uses a personal token"


def person_principal(
    person_id: str, scopes: frozenset[Scope], token_id: str | None = None
) -> Principal:
    """Return the principal of a person holding ``scopes`` (``token_id``: the token used)."""
    return Principal(
        PERSON_SOURCE_PREFIX + person_id, SourceKind.INTERNAL_TOOL, scopes, person_id, token_id
    )


def source_only(principal: Principal, what: str) -> None:
    """Raise 403 for a person: an integration speaks for a source system, never a person."""
    if principal.person is not None:
        raise Problem(
            403, "Forbidden", f"{what} takes a source's API key, not a personal token or session"
        )


def is_admin(principal: Principal, config: Config) -> bool:
    """Return whether the principal is an admin: a key with every scope, or an admin person."""
    if principal.person is None:
        return principal.scopes == EVERY_SCOPE
    return principal.person in config.people_by_id and roles_of(config, principal.person).admin


def acting_as(principal: Principal, by: str | None, field: str = "by") -> str:
    """Return who an action is by: the caller's person, or ``system:<source>`` for a key.

    Raise 403 when a person names someone else in ``by``, or a source key names anyone.
    """
    if principal.person is None:
        if by is not None:
            raise Problem(
                403,
                "Forbidden",
                f"{field}: {SOURCE_ACTS_AS_SYSTEM} (here {principal.actor}); {PEOPLE_SIGN_IN}; "
                f"leave out `{field}` to act as {principal.actor}",
            )
        return principal.actor
    if by is not None and by != principal.person:
        raise Problem(
            403,
            "Forbidden",
            f"{field}: this request acts as '{principal.person}', who may act only as "
            f"themselves; leave out `{field}` or send '{principal.person}'",
        )
    return principal.person


def person_only(principal: Principal, what: str) -> None:
    """Raise 403 for a source key: ``what`` takes a person (the router refuses a system)."""
    if principal.person is None:
        raise Problem(
            403,
            "Forbidden",
            f"{SOURCE_ACTS_AS_SYSTEM} (here {principal.actor}) and only a person may "
            f"{what}; {PEOPLE_SIGN_IN}",
        )


def may_manage_tokens(principal: Principal, person: str, config: Config) -> None:
    """Raise 403 unless the principal is ``person`` or an admin (docs/contract/access.md)."""
    if principal.person is None and is_admin(principal, config):
        return
    if principal.person in config.people_by_id and allowed_for_person(
        config, roles_of(config, principal.person), Action.TOKENS_MANAGE_ANY, person
    ):
        return
    raise Problem(
        403,
        "Forbidden",
        f"only '{person}' or an admin may manage the personal tokens of '{person}'",
    )

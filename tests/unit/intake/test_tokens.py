"""People as callers: principals, whom they act as, who may manage tokens, token bodies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from escalations.contracts.events import TimeOffRequested
from escalations.contracts.schedule import OverrideCancelRequested
from escalations.core.config import Config, parse_config
from escalations.core.escalation import SourceKind
from escalations_intake.auth.people import (
    acting_as,
    is_admin,
    may_manage_tokens,
    person_principal,
)
from escalations_intake.auth.principal import Principal, Scope
from escalations_intake.http.problems import Problem
from escalations_intake.resources.tokens import TokenBody, granted_scopes
from escalations_router.domain.schedule import actor

KEY = Principal("legal", SourceKind.LEGAL, frozenset({Scope.ACT}))
ADMIN_KEY = Principal("admin", SourceKind.INTERNAL_TOOL, frozenset(Scope))
ANA = person_principal("ana", frozenset({Scope.READ, Scope.ACT}), token_id="t1")
CONFIG_YAML: dict[str, Any] = {
    "people": [
        {"id": "ana", "name": "Ana", "timezone": "Europe/Dublin",
         "contacts": {"email": "ana@example.com"}},
        {"id": "lee", "name": "Lee", "timezone": "Europe/Dublin",
         "contacts": {"email": "lee@example.com"}},
        {"id": "bo", "name": "Bo", "timezone": "Europe/Dublin",
         "contacts": {"email": "bo@example.com"}},
    ],
    "teams": [
        {"id": "desk", "name": "The Desk", "lead": "lee",
         "schedule": {"layers": [{"name": "all", "rotation": "weekly", "handoff": "09:00",
                                  "timezone": "Europe/Dublin", "start": "2026-01-05",
                                  "members": ["ana", "lee"]}]}},
    ],
    "routing": {"rules": [], "default_team": "desk"},
    "access": {"admins": ["bo"]},
}  # fmt: skip


@pytest.fixture(scope="module")
def config() -> Config:
    """The test configuration: ana responds, lee leads the desk, bo is an admin."""
    return parse_config(CONFIG_YAML).config


def _status(call: Any, *args: Any) -> int | str:
    """Return the problem status ``call(*args)`` raises, or its result."""
    try:
        return str(call(*args))
    except Problem as problem:
        return problem.status
    except RequestValidationError:
        return 422


def test_a_person_acts_as_themselves_and_a_source_as_system() -> None:
    """A person's principal is ``person:<id>`` of kind internal_tool and acts as the person."""
    expected = ("person:ana", SourceKind.INTERNAL_TOOL, "ana", "t1", "ana")
    assert expected == (ANA.source, ANA.source_kind, ANA.person, ANA.token_id, ANA.actor)
    assert "system:legal" == KEY.actor


@pytest.mark.parametrize(
    ("principal", "by", "expected"),
    [
        (KEY, None, "system:legal"),  # a source key acts as its system
        (KEY, "lee", 403),  # ... and never names a person
        (ANA, None, "ana"),  # a person may leave ``by`` out
        (ANA, "ana", "ana"),  # ... or name themselves (existing clients)
        (ANA, "lee", 403),  # ... never anyone else
    ],
)
def test_who_an_action_is_by(principal: Principal, by: str | None, expected: object) -> None:
    """A person acts only as themselves; a source key only as ``system:<source>``."""
    assert expected == _status(acting_as, principal, by)


def test_impersonation_names_the_person_and_the_fix() -> None:
    """The 403 says who the request acts as and how to send it."""
    with pytest.raises(Problem) as refused:
        acting_as(ANA, "lee")
    assert "acts as 'ana'" in refused.value.detail
    assert "leave out `by`" in refused.value.detail


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        (ADMIN_KEY, True),  # every scope: the bootstrap key
        (Principal("ops", SourceKind.INTERNAL_TOOL, frozenset(Scope) - {Scope.WRITE}), False),
        (person_principal("bo", frozenset({Scope.READ})), True),  # admin by the configuration
        (person_principal("lee", frozenset(Scope)), False),  # a lead is no admin
        (person_principal("gone", frozenset(Scope)), False),  # not configured (any more)
    ],
)
def test_who_is_admin(config: Config, principal: Principal, expected: bool) -> None:
    """Admins are keys with every scope and people the configuration makes admins."""
    assert expected == is_admin(principal, config)


@pytest.mark.parametrize(
    ("principal", "person", "expected"),
    [
        (ANA, "ana", "None"),  # one's own tokens
        (ANA, "lee", 403),
        (person_principal("lee", frozenset(Scope)), "ana", 403),  # a lead: not others' tokens
        (person_principal("bo", frozenset({Scope.READ})), "ana", "None"),  # an admin person
        (ADMIN_KEY, "ana", "None"),  # an admin key, for automation
        (KEY, "ana", 403),  # any other key
    ],
)
def test_who_may_manage_tokens(
    config: Config, principal: Principal, person: str, expected: object
) -> None:
    """The person themselves or an admin manages a person's tokens; anyone else gets 403."""
    assert expected == _status(may_manage_tokens, principal, person, config)


def _body(**changes: Any) -> dict[str, Any]:
    expires = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    valid = {"description": "laptop", "scopes": ["escalations:read"], "expires_at": expires}
    return valid | changes


@pytest.mark.parametrize(
    "changes",
    [
        {"description": "ring\x07bell"},
        {"description": "line\nbreak"},
        {"description": "<script>alert(1)</script>"},
        {"description": "x" * 201},
        {"description": ""},
        {"scopes": []},
        {"scopes": ["admin:everything"]},
        {"expires_at": "2031-01-01T00:00:00"},  # no time zone
        {"expires_at": 1924992000},  # a number is not a timestamp
        {"token": "ept_chosen"},  # unknown field
    ],
)
def test_hostile_token_bodies_are_refused(changes: dict[str, Any]) -> None:
    """Control characters, markup, huge or empty text and unknown scopes are invalid."""
    with pytest.raises(ValidationError):
        TokenBody.model_validate(_body(**changes))


def test_a_plain_description_is_kept_stripped() -> None:
    """Surrounding spaces go; printable text with punctuation stays."""
    body = TokenBody.model_validate(_body(description="  CLI on Ana's laptop (work) & more "))
    assert "CLI on Ana's laptop (work) & more" == body.description


@pytest.mark.parametrize(
    ("scopes", "expires_in", "expected"),
    [
        (["escalations:read"], timedelta(days=30), "ok"),
        (["escalations:read", "escalations:act"], timedelta(days=90) - timedelta(minutes=1), "ok"),
        (["schedules:write"], timedelta(days=30), 403),  # beyond the caller's scopes
        (["escalations:read"], -timedelta(seconds=1), 422),  # in the past
        (["escalations:read"], timedelta(days=90, minutes=1), 422),  # beyond the maximum
    ],
)
def test_scopes_and_expiry_of_a_new_token(
    scopes: list[str], expires_in: timedelta, expected: object
) -> None:
    """A token holds at most the caller's scopes and expires within the maximum lifetime."""
    expires = (datetime.now(UTC) + expires_in).isoformat()
    body = TokenBody.model_validate(_body(scopes=scopes, expires_at=expires))
    result = _status(granted_scopes, body, ANA, 90)
    assert expected == ("ok" if isinstance(result, str) else result)


def test_schedule_changes_of_a_person_are_recorded_as_theirs() -> None:
    """The router records a person's schedule command as the person, a source's as system."""
    now = datetime.now(UTC)
    leave = TimeOffRequested(
        time_off_id="t", person="ana", start=now, end=now, source="person:ana", requested_at=now
    )
    cancel = OverrideCancelRequested(override_id="o", team="desk", source="legal", requested_at=now)
    assert ("ana", "system:legal") == (actor(leave), actor(cancel))

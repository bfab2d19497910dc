"""Roles and need-to-know per endpoint, as pure decisions (docs/contract/access.md)."""

from __future__ import annotations

from typing import Any

import pytest

from escalations.core.access import Action, roles_of
from escalations.core.access_endpoints import ENDPOINTS
from escalations.core.config import Config, parse_config
from escalations_intake.auth.access_rules import (
    EscalationFacts,
    Refusal,
    Visibility,
    endpoint_of,
    on_escalation,
    on_person,
    on_team,
    visibility,
)

_LAYER = {"name": "all", "rotation": "weekly", "handoff": "09:00",
          "timezone": "Europe/Dublin", "start": "2026-01-05"}  # fmt: skip
CONFIG_YAML: dict[str, Any] = {
    "people": [
        {"id": p, "name": p.title(), "timezone": "Europe/Dublin",
         "contacts": {"email": f"{p}@example.com"}}
        for p in ("ana", "lee", "bo", "kim", "dana", "vi")
    ],
    "teams": [
        {"id": "desk", "name": "The Desk", "lead": "lee",
         "schedule": {"layers": [{**_LAYER, "members": ["ana", "lee"]}]}},
        {"id": "legal", "name": "Legal", "lead": "kim",
         "schedule": {"layers": [{**_LAYER, "members": ["kim", "dana"]}]}},
    ],
    "routing": {"rules": [], "default_team": "desk"},
    "access": {"admins": ["bo"], "viewers": ["vi"]},
}  # fmt: skip
SECRET = EscalationFacts("e1", "legal", "child_safety", owner="kim", paged=("kim", "ana"))
PLAIN = EscalationFacts("e2", "legal", "hate_speech", owner="kim", paged=("kim",))


@pytest.fixture(scope="module")
def config() -> Config:
    """Ana responds and Lee leads the desk; Kim leads legal, Dana is on it; Bo is an admin."""
    return parse_config(CONFIG_YAML).config


def _on_escalation(
    config: Config,
    person: str,
    action: Action,
    facts: EscalationFacts | None,
    acknowledging: bool = False,
) -> Refusal | None:
    roles = roles_of(config, person)
    return on_escalation(config, roles, action, facts, "e1", acknowledging=acknowledging)


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        ("kim", None),  # leads the owning team
        ("dana", None),  # on its schedule
        ("ana", None),  # paged by its escalation policy
        ("bo", None),  # admin
        ("lee", 404),  # another team's lead
        ("vi", 404),  # a viewer
    ],
)
def test_a_restricted_escalation_is_seen_only_by_those_who_need_to(
    config: Config, person: str, expected: int | None
) -> None:
    """Owning team, the paged and admins read it; anyone else is told it does not exist."""
    refusal = _on_escalation(config, person, Action.ESCALATIONS_READ, SECRET)
    assert expected == (refusal.status if refusal else None)


def test_an_unseen_escalation_is_answered_exactly_like_a_missing_one(config: Config) -> None:
    """Same status, same wording, whether the escalation is hidden or absent."""
    for action in Action:
        hidden = _on_escalation(config, "lee", action, SECRET)
        assert _on_escalation(config, "lee", action, None) == hidden
        assert Refusal(404, "no escalation with id 'e1'") == hidden


def test_the_owner_sees_what_was_handed_to_them(config: Config) -> None:
    """Reassigned to someone outside the team, the owner still sees and acknowledges it."""
    handed = EscalationFacts("e1", "legal", "ncii", owner="lee", paged=("kim",))
    assert None is _on_escalation(config, "lee", Action.ESCALATIONS_READ, handed)
    assert None is _on_escalation(config, "lee", Action.ESCALATIONS_ACT, handed, True)


def test_sources_of_other_policy_areas_are_visible_but_acting_needs_the_team(
    config: Config,
) -> None:
    """Anyone reads; acting needs the team; reassigning needs a lead."""
    assert None is _on_escalation(config, "lee", Action.ESCALATIONS_READ, PLAIN)
    refused = _on_escalation(config, "lee", Action.ESCALATIONS_ACT, PLAIN)
    expected = "'lee' may not escalations.act on team 'legal': needs responder, lead or admin"
    assert Refusal(403, expected) == refused
    reassign = _on_escalation(config, "dana", Action.ESCALATIONS_REASSIGN, PLAIN)
    expected = "'dana' may not escalations.reassign on team 'legal': needs lead or admin"
    assert Refusal(403, expected) == reassign
    assert None is _on_escalation(config, "kim", Action.ESCALATIONS_REASSIGN, PLAIN)


def test_the_paged_acknowledge_off_their_team_but_do_not_resolve(config: Config) -> None:
    """Paged by another team's policy: acknowledging is theirs, resolving is the team's."""
    assert None is _on_escalation(config, "ana", Action.ESCALATIONS_ACT, SECRET, True)
    resolving = _on_escalation(config, "ana", Action.ESCALATIONS_ACT, SECRET)
    expected = "'ana' may not escalations.act on team 'legal': needs responder, lead or admin"
    assert Refusal(403, expected) == resolving
    assert _on_escalation(config, "ana", Action.ESCALATIONS_REASSIGN, SECRET, True) is not None
    assert _on_escalation(config, "lee", Action.ESCALATIONS_ACT, PLAIN, True) is not None


def test_an_escalation_on_no_team_is_acted_on_by_admins(config: Config) -> None:
    """Unrouted: no team to stand on, so only admins act on it (its people acknowledge)."""
    unrouted = EscalationFacts("e1", None, "hate_speech", owner=None, paged=())
    refused = _on_escalation(config, "ana", Action.ESCALATIONS_ACT, unrouted)
    assert refused is not None
    assert "on escalation 'e1' (no team): needs responder, lead or admin" in refused.detail
    assert None is _on_escalation(config, "bo", Action.ESCALATIONS_ACT, unrouted)


def test_team_actions_follow_the_matrix(config: Config) -> None:
    """A lead writes their team's schedule; a responder reads it; a viewer is told why."""
    assert None is on_team(roles_of(config, "lee"), Action.SCHEDULES_WRITE, "desk")
    assert None is on_team(roles_of(config, "ana"), Action.SCHEDULES_READ, "legal")
    refused = on_team(roles_of(config, "ana"), Action.SCHEDULES_WRITE, "desk")
    expected = "'ana' may not schedules.write on team 'desk': needs lead or admin"
    assert Refusal(403, expected) == refused
    audit = on_team(roles_of(config, "lee"), Action.AUDIT_READ, None)
    assert Refusal(403, "'lee' may not audit.read: needs admin") == audit
    create = on_team(roles_of(config, "vi"), Action.ESCALATIONS_CREATE, None)
    assert Refusal(403, "'vi' may not escalations.create: a viewer only reads") == create


@pytest.mark.parametrize(
    ("person", "action", "whose", "expected"),
    [
        ("ana", Action.SCHEDULES_WRITE, "ana", None),  # one's own time off
        ("lee", Action.SCHEDULES_WRITE, "ana", None),  # a lead, for their team
        ("kim", Action.SCHEDULES_WRITE, "ana", "needs to be 'ana', lead of desk or admin"),
        ("ana", Action.TOKENS_MANAGE_ANY, "ana", None),
        ("lee", Action.TOKENS_MANAGE_ANY, "ana", "needs to be 'ana' or admin"),
        ("bo", Action.TOKENS_MANAGE_ANY, "ana", None),
        ("vi", Action.SCHEDULES_READ, "ana", None),
    ],
)
def test_person_actions_allow_ones_own_and_the_teams_leads(
    config: Config, person: str, action: Action, whose: str, expected: str | None
) -> None:
    """Own time off, feeds and tokens; leads of the person's teams; admins; else 403."""
    refusal = on_person(config, roles_of(config, person), action, whose)
    if expected is None:
        assert refusal is None
    else:
        assert refusal is not None
        assert 403 == refusal.status
        assert refusal.detail.startswith(f"'{person}' may not {action.value} for person '{whose}'")
        assert refusal.detail.endswith(expected)


def test_the_list_filter_of_each_person(config: Config) -> None:
    """Admins see everything (no filter); others see their teams, the paged and their own."""
    assert None is visibility(config, roles_of(config, "bo"))
    seen = visibility(config, roles_of(config, "kim"))
    assert Visibility("kim", frozenset({"child_safety", "ncii"}), frozenset({"legal"})) == seen
    assert frozenset() == getattr(visibility(config, roles_of(config, "vi")), "teams", None)


def test_endpoints_are_found_by_method_and_route_template() -> None:
    """The route's path template, not the request's path, names the endpoint."""
    found = endpoint_of("POST", "/v1/escalations/{escalation_id}/reassign")
    assert found is not None
    assert (Action.ESCALATIONS_REASSIGN, "escalation") == (found.action, found.subject)
    assert None is endpoint_of("POST", "/v1/escalations/e1/reassign")
    assert None is endpoint_of("PUT", "/v1/escalations")
    assert all(endpoint_of(e.method, e.path) == e for e in ENDPOINTS)

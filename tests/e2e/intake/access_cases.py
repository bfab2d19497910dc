"""The role x endpoint matrix as test cases, with the status each must get (pure, no I/O).

Cases come from ``ENDPOINTS`` (``escalations.core.access_endpoints``) x the cast below x
(own team / other team) x (restricted / not), and each expected status is computed from the
pure rules of ``escalations.core.access`` (docs/contract/access.md), never from a table
written here. Only how to make each request succeed (its body, query and documented 2xx)
is written by hand, in ``RECIPES``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from escalations.core.access import (
    Action,
    PersonRoles,
    allowed,
    allowed_for_person,
    can_see,
    roles_of,
)
from escalations.core.access_endpoints import ENDPOINTS, Endpoint
from escalations.core.config import Config, loads_config

OWN_TEAM, OTHER_TEAM = "t-a", "t-b"
CONFIG_YAML = f"""\
people:
  - {{id: ada, name: Ada Admin, timezone: Europe/Dublin, contacts: {{email: ada@example.com}}}}
  - {{id: lee, name: Lee Lead, timezone: Europe/Dublin, contacts: {{email: lee@example.com}}}}
  - {{id: rae, name: Rae Resp, timezone: Europe/Dublin, contacts: {{email: rae@example.com}}}}
  - {{id: rob, name: Rob Resp, timezone: Europe/Dublin, contacts: {{email: rob@example.com}}}}
  - {{id: vic, name: Vic View, timezone: Europe/Dublin, contacts: {{email: vic@example.com}}}}
  - {{id: pat, name: Pat Paged, timezone: Europe/Dublin, contacts: {{email: pat@example.com}}}}
  - {{id: bea, name: Bea Lead, timezone: Europe/Dublin, contacts: {{email: bea@example.com}}}}
teams:
  - id: {OWN_TEAM}
    name: Team A
    lead: lee          # leads, but is not on the schedule
    schedule:
      layers:
        - {{name: main, rotation: daily, timezone: Europe/Dublin, start: 2026-01-05,
           members: [rae]}}
  - id: {OTHER_TEAM}
    name: Team B
    lead: bea
    schedule:
      layers:
        - {{name: main, rotation: daily, timezone: Europe/Dublin, start: 2026-01-05,
           members: [rob]}}
    escalation_policy:
      levels:
        - targets: [{{kind: schedule}}]
        - targets: [{{kind: person, id: pat}}]
routing:
  default_team: {OWN_TEAM}
access:                # restricted_policy_areas: the default, child_safety and ncii
  admins: [ada]
  viewers: [vic]
"""
CONFIG: Config = loads_config(CONFIG_YAML, source="access-matrix.yaml").config

CAST: Mapping[str, str] = {
    "admin": "ada",
    "lead": "lee",
    "responder": "rae",
    "other-responder": "rob",
    "viewer": "vic",
    "paged": "pat",
}
"""Who calls, by a readable label: roles as docs/contract/access.md names them."""
PAGED = ("pat",)
"""Whom the policy of the other team's restricted escalation paged."""


@dataclass(frozen=True, slots=True)
class Seed:
    """An escalation stored for the matrix: its team, policy area and paged people."""

    team: str
    policy_area: str
    paged: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, bool]:
        """``(team, restricted)``: how the matrix names it."""
        return self.team, self.policy_area in CONFIG.access.restricted_policy_areas


SEEDS = (
    Seed(OWN_TEAM, "child_safety"),
    Seed(OWN_TEAM, "hate_speech"),
    Seed(OTHER_TEAM, "ncii", PAGED),
    Seed(OTHER_TEAM, "spam"),
)
SEED_BY_KEY = {seed.key: seed for seed in SEEDS}
TEAMS = {"own": OWN_TEAM, "other": OTHER_TEAM}
TARGETS = {"own": "rae", "other": "rob"}
MATRIX_SOURCE = "matrix-source"
"""A source with an API key, whose status callback the ``/v1/sources`` cases manage."""
SOURCE_CALLBACK = "/v1/sources/{source}/status-callback"
RECIPES_CALLBACK = {"url": "https://requests.example.com/status", "email": "ops@example.com"}
"""The status callback the matrix source is given."""
"""A person on the own team's schedule and one on the other's (``{person}`` paths)."""


def _later(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def _window(**more: str) -> dict[str, Any]:
    return {"start": _later(30), "end": _later(31), **more}


@dataclass(frozen=True, slots=True)
class Recipe:
    """How to call an endpoint so that an allowed call succeeds, and its documented 2xx."""

    status: int
    body: dict[str, Any] | None = None
    query: dict[str, str] | None = None
    as_caller: str | None = None
    """A body field set to the caller's own id (subscribing oneself)."""
    also: frozenset[int] = frozenset()
    """Other documented successes the matrix's calls do not get (an idempotent repeat)."""

    def body_for(self, caller: str) -> dict[str, Any] | None:
        """Return the body this caller sends."""
        if self.as_caller is None:
            return self.body
        return {**(self.body or {}), self.as_caller: caller}


def recipes() -> dict[tuple[str, str], Recipe]:
    """Return the request of every endpoint (bodies from the models in resources/*.py)."""
    new = {"title": "Matrix case", "policy_area": "hate_speech"}
    token = {"description": "matrix", "scopes": ["escalations:read"], "expires_at": _later(7)}
    e, t, p = "/v1/escalations/{escalation_id}", "/v1/teams/{team}", "/v1/people/{person}"
    return {
        ("POST", "/v1/escalations"): Recipe(202, new),
        ("GET", "/v1/escalations"): Recipe(200, query={"limit": "1"}),
        ("GET", e): Recipe(200),
        ("POST", f"{e}/acknowledge"): Recipe(202, {}),
        ("POST", f"{e}/updates"): Recipe(202, {"audience": "team", "text": "matrix"}),
        ("POST", f"{e}/resolve"): Recipe(202, {"resolution": "actioned", "note": "matrix"}),
        ("POST", f"{e}/reassign"): Recipe(202, {"to": "rae", "reason": "matrix"}),
        ("POST", f"{e}/reveal"): Recipe(200, {}),
        ("GET", f"{e}/subscriptions"): Recipe(200),
        ("POST", f"{e}/subscriptions"): Recipe(201, {}, as_caller="person", also=frozenset({200})),
        ("DELETE", f"{e}/subscriptions/{{subscription_id}}"): Recipe(204),
        ("GET", "/v1/oncall"): Recipe(200, query={"team": OWN_TEAM}),
        ("POST", "/v1/simulate"): Recipe(200, new),
        ("GET", f"{t}/overrides"): Recipe(200),
        ("POST", f"{t}/overrides"): Recipe(202, _window(person="rae")),
        ("DELETE", f"{t}/overrides/{{override_id}}"): Recipe(202),
        ("GET", f"{t}/schedule-history"): Recipe(200),
        ("GET", f"{t}/schedule.ics"): Recipe(200),
        ("GET", f"{t}/feeds"): Recipe(200),
        ("POST", f"{t}/feeds"): Recipe(201, {"description": "matrix"}),
        ("DELETE", f"{t}/feeds/{{feed_id}}"): Recipe(204),
        ("GET", f"{t}/handoff-notes"): Recipe(200),
        ("POST", f"{t}/handoff-notes"): Recipe(201, {"text": "matrix"}),
        ("GET", f"{t}/handoffs"): Recipe(200),
        ("GET", f"{p}/time-off"): Recipe(200),
        ("POST", f"{p}/time-off"): Recipe(202, _window(reason="matrix")),
        ("DELETE", f"{p}/time-off/{{time_off_id}}"): Recipe(202),
        ("GET", f"{p}/schedule-history"): Recipe(200),
        ("GET", f"{p}/oncall.ics"): Recipe(200),
        ("GET", f"{p}/feeds"): Recipe(200),
        ("POST", f"{p}/feeds"): Recipe(201, {"description": "matrix"}),
        ("DELETE", f"{p}/feeds/{{feed_id}}"): Recipe(204),
        ("GET", f"{p}/tokens"): Recipe(200),
        ("POST", f"{p}/tokens"): Recipe(201, token),
        ("DELETE", f"{p}/tokens/{{token_id}}"): Recipe(204),
        ("GET", "/v1/audit"): Recipe(200, query={"limit": "1"}),
        ("PUT", SOURCE_CALLBACK): Recipe(200, RECIPES_CALLBACK),
        ("GET", SOURCE_CALLBACK): Recipe(200),
        ("DELETE", SOURCE_CALLBACK): Recipe(204),
    }


@dataclass(frozen=True, slots=True)
class Case:
    """One call of the matrix: who calls which endpoint about what."""

    role: str
    endpoint: Endpoint
    relation: str | None = None
    """``own``/``other`` team, ``self`` for a ``{person}`` path; None for no subject."""
    restricted: bool | None = None
    """For an escalation subject only."""

    @property
    def caller(self) -> str:
        """The person calling."""
        return CAST[self.role]

    @property
    def team(self) -> str | None:
        """The team the subject belongs to (escalation and team subjects)."""
        return TEAMS.get(self.relation or "") if self.endpoint.subject != "person" else None

    @property
    def target(self) -> str | None:
        """The ``{person}`` of the path."""
        if self.endpoint.subject != "person":
            return None
        return self.caller if self.relation == "self" else TARGETS[self.relation or ""]

    @property
    def seed(self) -> Seed | None:
        """The stored escalation the case is about."""
        if self.endpoint.subject != "escalation" or self.team is None:
            return None
        return SEED_BY_KEY[self.team, bool(self.restricted)]

    @property
    def id(self) -> str:
        """A readable test id, such as ``lead-own-restricted-POST-escalations.ID.reassign``."""
        short = self.endpoint.path.removeprefix("/v1/")
        for name, mark in (("escalation_id", "ID"), ("team", "T"), ("person", "P")):
            short = short.replace(f"{{{name}}}", mark)
        short = re.sub(r"\{\w+\}", "X", short).replace("/", ".")
        parts = [self.role, self.relation]
        if self.restricted is not None:
            parts.append("restricted" if self.restricted else "open")
        return "-".join([*(p for p in parts if p), self.endpoint.method, short])


def cases() -> Iterator[Case]:
    """Yield every meaningful (role, endpoint, own/other, restricted/not) combination."""
    for endpoint in ENDPOINTS:
        for role, person in CAST.items():
            if endpoint.subject == "none":
                yield Case(role, endpoint)
            elif endpoint.subject == "team":
                yield from (Case(role, endpoint, relation) for relation in TEAMS)
            elif endpoint.subject == "person":
                yield Case(role, endpoint, "self")
                targets = (r for r, target in TARGETS.items() if target != person)
                yield from (Case(role, endpoint, relation) for relation in targets)
            else:
                for relation in TEAMS:
                    yield from (Case(role, endpoint, relation, r) for r in (True, False))


def paged_acknowledge(case: Case, roles: PersonRoles) -> bool:
    """Whether this is someone the escalation's policy paged acknowledging or posting an update.

    docs/contract/access.md ("What each role may do"): someone paged by another team's
    escalation policy may acknowledge it and post updates on it too, whatever their team.
    """
    seed = case.seed
    involved_may = case.endpoint.path.endswith(("/acknowledge", "/updates"))
    return seed is not None and involved_may and roles.person in seed.paged


def visible(roles: PersonRoles, seed: Seed) -> bool:
    """Whether the person may see the seeded escalation (need-to-know)."""
    return can_see(CONFIG, roles, policy_area=seed.policy_area, team=seed.team, paged=seed.paged)


def expected_status(case: Case, success: int) -> int:
    """Return the status the case must get, from the pure rules (docs/contract/access.md).

    A viewer's credentials are narrowed to reading before anything is looked up, so a
    viewer acting on an escalation they may not see is 403, as on one that does not exist
    (a viewer stands the same to every team). Otherwise: an escalation the person may not
    see -> 404; an action not allowed -> 403; else the endpoint's success.
    """
    roles = roles_of(CONFIG, case.caller)
    action = case.endpoint.action
    seed = case.seed
    if seed is not None and roles.viewer and not allowed(roles, action, seed.team):
        return 403
    if seed is not None and not visible(roles, seed):
        return 404
    if case.target is not None:
        ok = allowed_for_person(CONFIG, roles, action, case.target)
    else:
        ok = allowed(roles, action, case.team) or paged_acknowledge(case, roles)
    return success if ok else 403


def may_act_in_body(person: str, path: str, seed: Seed) -> bool:
    """Whether ``person`` may call an act endpoint about ``seed`` (for the ``by`` tests)."""
    roles = roles_of(CONFIG, person)
    action = Action.ESCALATIONS_REASSIGN if path.endswith("reassign") else Action.ESCALATIONS_ACT
    return visible(roles, seed) and allowed(roles, action, seed.team)

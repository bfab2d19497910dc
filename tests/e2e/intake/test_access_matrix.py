"""The role x endpoint x (own/other team) x (restricted/not) matrix against a real intake.

Every case comes from ``ENDPOINTS`` and its expected status from the pure rules
(``tests/e2e/intake/access_cases.py``, docs/contract/access.md): a person who may not see
an escalation gets the same ``404`` as for a missing one, an action their standing does
not allow is ``403``, anything else the endpoint's documented success. The intake runs on
a configuration, a broker and a database of its own; escalations are stored as the router
would store them. A revoked personal token being refused within the key cache window is
``test_tokens.py::test_a_revoked_token_is_refused_within_the_key_cache_window``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from devstack.stack import Stack
from escalations.core.access import roles_of
from escalations.core.access_endpoints import ENDPOINTS
from escalations.core.escalation import SourceKind
from escalations_intake.auth.api_keys import Scope
from tests.e2e.intake.access_cases import (
    CAST,
    CONFIG,
    OWN_TEAM,
    SEED_BY_KEY,
    SEEDS,
    Case,
    Recipe,
    cases,
    expected_status,
    may_act_in_body,
    recipes,
    visible,
)
from tests.e2e.intake.access_world import OWNERS, World, started_world
from tests.e2e.intake.helpers import problem
from tests.support import wait_for

pytestmark = pytest.mark.e2e
CASES = list(cases())
RECIPES = recipes()


@pytest.fixture(scope="module")
def world(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """An intake on the matrix configuration, with its own broker and database."""
    with started_world(stack, tmp_path_factory.mktemp("access-matrix")) as running:
        yield running


def _call(
    client: httpx.Client, method: str, path: str, recipe: Recipe, caller: str
) -> httpx.Response:
    body = recipe.body_for(caller)
    return client.request(method, path, json=body, params=recipe.query)


def _recipe(case: Case) -> Recipe:
    found = RECIPES.get((case.endpoint.method, case.endpoint.path))
    if found is None:
        pytest.fail(
            f"{case.endpoint.method} {case.endpoint.path} is in ENDPOINTS but has no request "
            "in access_cases.recipes(): add its body and documented success status"
        )
    return found


def test_the_matrix_covers_every_endpoint_role_team_and_restriction() -> None:
    """Each endpoint is called by each role; escalations in all four (team, restricted)."""
    assert {(e.method, e.path) for e in ENDPOINTS} == {
        (c.endpoint.method, c.endpoint.path) for c in CASES
    }
    assert {(True, True), (True, False), (False, True), (False, False)} == {
        (c.team == OWN_TEAM, bool(c.restricted)) for c in CASES if c.seed is not None
    }
    assert len({c.id for c in CASES}) == len(CASES)
    statuses = {expected_status(c, _recipe(c).status) for c in CASES}
    assert {200, 201, 202, 204, 403, 404} <= statuses


def test_each_request_expects_the_documented_success(world: World) -> None:
    """The success status each case expects is the 2xx the OpenAPI document states."""
    document = httpx.get(f"{world.intake.base_url}/openapi.json").json()
    for endpoint in ENDPOINTS:
        recipe = RECIPES.get((endpoint.method, endpoint.path))
        operation = document["paths"][endpoint.path][endpoint.method.lower()]
        documented = {int(s) for s in operation["responses"] if s.startswith("2")}
        expected = {recipe.status, *recipe.also} if recipe else None
        assert expected == documented, endpoint


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_role_matrix_holds_end_to_end(world: World, case: Case) -> None:
    """The answer is the status the pure rules give: success, 403, or the missing-id 404."""
    recipe = _recipe(case)
    expected = expected_status(case, recipe.status)
    client = world.clients[case.caller]
    path = world.path(case)
    answer = _call(client, case.endpoint.method, path, recipe, case.caller)
    assert expected == answer.status_code, f"{case.id}: {answer.text}"
    if expected == 403:
        problem(answer, 403)
    elif expected == 404:
        assert case.seed is not None
        hidden = world.escalations[case.seed.key][0]
        missing = str(uuid.uuid4())
        absent = _call(
            client, case.endpoint.method, path.replace(hidden, missing), recipe, case.caller
        )
        as_hidden = json.loads(json.dumps(problem(absent, 404)).replace(missing, hidden))
        assert as_hidden == problem(answer, 404), "a hidden escalation must look missing"
    elif case.seed is not None and answer.headers.get("content-type") == "application/json":
        body = answer.json()
        about = body.get("escalation_id", body.get("id", body))
        assert world.escalations[case.seed.key][0] == about, case.id


def _listed(client: httpx.Client, limit: int, **filters: str) -> list[str]:
    """Return the ids of every page of ``GET /v1/escalations``, checking each page's size."""
    ids: list[str] = []
    cursor: str | None = None
    for _ in range(100):
        params = {"limit": str(limit), **filters} | ({"cursor": cursor} if cursor else {})
        answer = client.get("/v1/escalations", params=params)
        assert 200 == answer.status_code, answer.text
        page = answer.json()
        assert len(page["items"]) <= limit
        ids.extend(item["id"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return ids
    pytest.fail("the list did not end within 100 pages")


@pytest.mark.parametrize("role", list(CAST))
def test_a_persons_list_holds_exactly_what_they_may_see(world: World, role: str) -> None:
    """Page by page (3 a page, and per team), the list is the seeded escalations visible."""
    roles = roles_of(CONFIG, CAST[role])
    client = world.clients[CAST[role]]

    def may_see(team: str | None = None) -> list[str]:
        return sorted(
            esc_id
            for seed in SEEDS
            if visible(roles, seed) and team in (None, seed.team)
            for esc_id in world.escalations[seed.key]
        )

    everything = _listed(client, 3)
    assert len(everything) == len(set(everything)), "an escalation listed twice"
    assert may_see() == sorted(everything)
    for team in OWNERS:
        assert may_see(team) == sorted(_listed(client, 1, team=team))


def test_the_cast_does_not_all_see_the_same() -> None:
    """Someone sees every seeded escalation and someone does not: the list test can fail."""
    seen = [sum(visible(roles_of(CONFIG, p), s) for s in SEEDS) for p in CAST.values()]
    assert len(SEEDS) == max(seen)
    assert len(SEEDS) > min(seen)


IMPERSONATIONS = [
    (role, command)
    for role, person in CAST.items()
    for command in ("acknowledge", "resolve", "reassign")
    if may_act_in_body(person, command, SEED_BY_KEY[OWN_TEAM, False])
]


@pytest.mark.parametrize(
    ("role", "command"), IMPERSONATIONS, ids=[f"{r}-{c}" for r, c in IMPERSONATIONS]
)
def test_a_person_naming_someone_else_in_by_is_refused(
    world: World, role: str, command: str
) -> None:
    """A person who may act is 403 naming someone else in ``by``, 202 naming themselves."""
    person = CAST[role]
    other = "rob" if person != "rob" else "rae"
    path = f"/v1/escalations/{world.escalations[OWN_TEAM, False][0]}/{command}"
    body = RECIPES["POST", "/v1/escalations/{escalation_id}/" + command].body or {}
    client = world.clients[person]
    refused = problem(client.post(path, json=body | {"by": other}), 403)
    assert f"acts as '{person}'" in refused["detail"]
    assert 202 == client.post(path, json=body | {"by": person}).status_code


def test_a_source_key_acts_only_as_its_system_actor(world: World) -> None:
    """A key naming a person in ``by`` is 403, it cannot reassign, and acts as the system."""
    scopes = frozenset({Scope.READ, Scope.ACT})
    key = world.intake.key("matrix-tool", SourceKind.INTERNAL_TOOL, scopes)
    esc_id = world.escalations[OWN_TEAM, False][0]
    with world.intake.client(key) as tool:
        for command, body in (("acknowledge", {}), ("resolve", {"resolution": "actioned"})):
            path = f"/v1/escalations/{esc_id}/{command}"
            refused = problem(tool.post(path, json=body | {"by": "rae"}), 403)
            assert "system:matrix-tool" in refused["detail"]
            assert 202 == tool.post(path, json=body).status_code, command
        reassign = f"/v1/escalations/{esc_id}/reassign"
        problem(tool.post(reassign, json={"to": "rob"}), 403)
        problem(tool.post(reassign, json={"by": "rae", "to": "rob"}), 403)

    def published() -> list[dict[str, Any]]:
        found = [e for e in world.intake.events(esc_id) if e["data"]["source"] == "matrix-tool"]
        return found if len(found) >= 2 else []

    events = wait_for(published, what="the tool's two commands")
    assert ["system:matrix-tool"] * 2 == [e["data"]["by"] for e in events]

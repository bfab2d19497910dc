"""``GET /v1/teams/{team}/handoffs`` through the real intake and Postgres.

The packets are stored as the router stores them (``handoff_rows``); the answer is each
packet, newest first (docs/contract/http-api.md, "Handoffs"). The demo configuration is in
force: ciaran is on ts-dublin's schedule, liam on general-ts's, clodagh a viewer, aoife an
admin.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.e2e.intake.conftest import Intake
from tests.e2e.intake.handoff_rows import HOSTILE, handoff, item, note, replace
from tests.e2e.intake.helpers import problem
from tests.support import person_token

pytestmark = pytest.mark.e2e
TEAM = "ts-dublin"
HANDOFFS = f"/v1/teams/{TEAM}/handoffs"


@pytest.fixture(scope="module")
def tokens(intake: Intake) -> dict[str, str]:
    """Personal tokens of ciaran (ts-dublin), liam (general-ts) and clodagh (viewer)."""
    made = {p: person_token(intake.base_url, intake.admin_key, p) for p in ("ciaran", "liam")}
    viewer = ("escalations:read",)
    made["clodagh"] = person_token(intake.base_url, intake.admin_key, "clodagh", viewer)
    return made


def test_newest_first_each_the_stored_packet(intake: Intake, tokens: dict[str, str]) -> None:
    """Three handoffs come back newest first, each the packet as stored, text verbatim."""
    start = datetime.now(UTC) - timedelta(days=3)
    rows = [
        handoff(
            TEAM,
            start + timedelta(hours=8 * n),
            open_items=(item(f"Open {n} {HOSTILE}", "P0"),),
            notes=(note(f"note {n}"),),
        )
        for n in range(3)
    ]
    replace(intake.database_url, TEAM, *rows)
    with intake.client(tokens["ciaran"]) as ciaran:
        answer = ciaran.get(HANDOFFS)
    assert 200 == answer.status_code, answer.text
    body = answer.json()
    assert TEAM == body["team"]
    assert [r.id for r in reversed(rows)] == [h["handoff_id"] for h in body["handoffs"]]
    newest = body["handoffs"][0]
    assert rows[2].packet == newest
    assert f"Open 2 {HOSTILE}" == newest["open"][0]["title"]
    assert {"handoff_id", "at", "outgoing", "incoming", "shift_end", "open", "open_total",
            "unacknowledged", "notes", "team"} == set(newest)  # fmt: skip


def test_limit_defaults_to_ten_and_is_bounded(intake: Intake, tokens: dict[str, str]) -> None:
    """Ten by default; ``limit`` takes the newest; outside 1 to 50 is 422 naming it."""
    start = datetime.now(UTC) - timedelta(days=10)
    rows = [handoff(TEAM, start + timedelta(hours=n)) for n in range(12)]
    replace(intake.database_url, TEAM, *rows)
    with intake.client(tokens["ciaran"]) as ciaran:
        assert 10 == len(ciaran.get(HANDOFFS).json()["handoffs"])
        two = ciaran.get(HANDOFFS, params={"limit": "2"}).json()["handoffs"]
        assert [rows[11].id, rows[10].id] == [h["handoff_id"] for h in two]
        assert 12 == len(ciaran.get(HANDOFFS, params={"limit": "50"}).json()["handoffs"])
        for bad in ("0", "51", "ten"):
            assert "limit" in problem(ciaran.get(HANDOFFS, params={"limit": bad}), 422)["detail"]


def test_no_handoffs_is_an_empty_list(intake: Intake, tokens: dict[str, str]) -> None:
    """A team with no handoff stored answers an empty list, not 404."""
    replace(intake.database_url, TEAM)
    with intake.client(tokens["ciaran"]) as ciaran:
        assert {"team": TEAM, "handoffs": []} == ciaran.get(HANDOFFS).json()


def test_who_may_read(intake: Intake, tokens: dict[str, str]) -> None:
    """Another team's responder and a viewer 403; the admin key 200; an unknown team 404."""
    with intake.client(tokens["liam"]) as liam:
        refused = problem(liam.get(HANDOFFS), 403)
        assert "'liam' may not handoff_notes.write on team 'ts-dublin'" in refused["detail"]
        assert 200 == liam.get("/v1/teams/general-ts/handoffs").status_code
    with intake.client(tokens["clodagh"]) as clodagh:
        problem(clodagh.get(HANDOFFS), 403)
    with intake.client() as admin:
        assert 200 == admin.get(HANDOFFS).status_code
        missing = problem(admin.get("/v1/teams/ts-dublinn/handoffs"), 404)
        assert "did you mean 'ts-dublin'" in missing["detail"]
    with httpx.Client(base_url=intake.base_url, timeout=15) as nobody:
        problem(nobody.get(HANDOFFS), 401)


def test_documented_in_openapi(intake: Intake) -> None:
    """The route, its limit and its answers are in the OpenAPI document."""
    with intake.client() as admin:
        spec = admin.get("/openapi.json").json()
    get = spec["paths"]["/v1/teams/{team}/handoffs"]["get"]
    (limit,) = [p for p in get["parameters"] if p["name"] == "limit"]
    assert (1, 50, 10) == (
        limit["schema"]["minimum"],
        limit["schema"]["maximum"],
        limit["schema"]["default"],
    )
    assert {"200", "401", "403", "404", "422"} <= set(get["responses"])

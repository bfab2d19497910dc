"""Need-to-know and acting as system through the real intake and Postgres.

Rows are stored as the router would (``rows``); people call with their own personal tokens
(docs/contract/access.md). The people and roles are those of the demo configuration the
test intake runs with: ciaran and niamh are on ts-dublin, roisin leads child-safety, liam
is on general-ts, aoife is an admin.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import httpx
import pytest

from escalations.core.escalation import SourceKind
from escalations_intake.auth.api_keys import Scope
from tests.e2e.intake.conftest import Intake
from tests.e2e.intake.helpers import ESCALATION, problem
from tests.e2e.intake.rows import escalation_row, insert
from tests.support import person_token, wait_for

pytestmark = pytest.mark.e2e
T0 = datetime.now(UTC) - timedelta(hours=1)


@cache
def _token(base_url: str, admin_key: str, person: str) -> str:
    return person_token(base_url, admin_key, person)


def _as(intake: Intake, person: str) -> httpx.Client:
    return intake.client(_token(intake.base_url, intake.admin_key, person))


def _row(team: str, area: str, n: int, **changes: Any) -> Any:
    at = T0 + timedelta(seconds=n)
    return escalation_row(
        id=str(uuid.uuid4()), team=team, policy_area=area, created_at=at, updated_at=at, **changes
    )


def _listed(client: httpx.Client, team: str) -> list[str]:
    """Every id of ``team``'s list, two at a time, asserting no page is empty."""
    return [item["id"] for item in _items(client, {"team": team, "limit": "2"})]


def _items(client: httpx.Client, params: dict[str, str]) -> list[dict[str, Any]]:
    """Every item of a list, following ``next_cursor``, asserting no page is empty."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page = client.get(
            "/v1/escalations", params={**params, **({"cursor": cursor} if cursor else {})}
        )
        assert 200 == page.status_code, page.text
        body = page.json()
        assert body["items"], "a page after a non-null next_cursor is never empty"
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


def test_lists_leave_out_in_sql_what_a_person_may_not_see(intake: Intake) -> None:
    """Pages and cursors count only the visible rows; admins and source keys see them all."""
    team = f"ntk-{uuid.uuid4().hex[:8]}"  # a team of this test only: nobody is on it
    plain = [_row(team, "hate_speech", n) for n in (0, 2, 4)]
    hidden = [_row(team, "child_safety", n, owner="fiadh") for n in (1, 3, 5, 6)]
    paged = _row(team, "ncii", 7, owner="fiadh", assignment={"paged": ["ciaran"]})
    insert(intake.database_url, *plain, *hidden, paged)
    newest_first = [r.id for r in sorted([*plain, *hidden, paged], key=lambda r: r.created_at)][
        ::-1
    ]
    with _as(intake, "liam") as liam, _as(intake, "ciaran") as ciaran:
        assert [r.id for r in plain][::-1] == _listed(liam, team)
        with _as(intake, "clodagh") as viewer:  # on no team at all
            assert [r.id for r in plain][::-1] == _listed(viewer, team)
        assert [paged.id, *[r.id for r in plain][::-1]] == _listed(ciaran, team)
    with _as(intake, "aoife") as admin_person, intake.client() as admin_key:
        assert newest_first == _listed(admin_person, team)
        assert newest_first == _listed(admin_key, team)


def test_a_hidden_escalation_is_answered_like_a_missing_one(intake: Intake) -> None:
    """Read and act: the same 404 body for a restricted escalation as for an absent id."""
    secret = _row("child-safety", "child_safety", 0, owner="fiadh")
    insert(intake.database_url, secret)
    missing = str(uuid.uuid4())
    with _as(intake, "liam") as liam:
        for path, body in (("", None), ("/acknowledge", {}), ("/reassign", {"to": "liam"})):
            answers = []
            for esc_id in (secret.id, missing):
                url = f"/v1/escalations/{esc_id}{path}"
                got = liam.get(url) if body is None else liam.post(url, json=body)
                answers.append({**problem(got, 404), "detail": got.json()["detail"]})
                assert f"no escalation with id '{esc_id}'" == got.json()["detail"]
            hidden, absent = answers
            assert hidden["detail"].replace(secret.id, "<id>") == absent["detail"].replace(
                missing, "<id>"
            )
            assert {k: v for k, v in hidden.items() if k != "detail"} == {
                k: v for k, v in absent.items() if k != "detail"
            }
    for person in ("roisin", "fiadh", "aoife"):  # its lead, its team, an admin
        with _as(intake, person) as client:
            assert 200 == client.get(f"/v1/escalations/{secret.id}").status_code, person


def test_acting_needs_the_team_and_reassigning_a_lead(intake: Intake) -> None:
    """Off the team: 403 naming the action; a responder cannot reassign; a lead can."""
    row = _row("ts-dublin", "hate_speech", 0, owner="ciaran")
    insert(intake.database_url, row)
    url = f"/v1/escalations/{row.id}"
    with _as(intake, "liam") as liam:
        refused = problem(liam.post(f"{url}/acknowledge", json={}), 403)
        assert "'liam' may not escalations.act on team 'ts-dublin'" in refused["detail"]
    with _as(intake, "niamh") as niamh:
        refused = problem(niamh.post(f"{url}/reassign", json={"to": "orla"}), 403)
        assert refused["detail"].endswith("needs lead or admin")
        assert 202 == niamh.post(f"{url}/acknowledge", json={}).status_code
    with _as(intake, "sean") as sean:
        assert 202 == sean.post(f"{url}/reassign", json={"to": "orla"}).status_code


def test_a_source_key_acts_as_its_system(intake: Intake) -> None:
    """No ``by``: published as system:<source>; a ``by`` naming a person and reassign: 403."""
    key = intake.key("ntk-desk", SourceKind.INTERNAL_TOOL, frozenset({Scope.ACT}))
    row = _row("ts-dublin", "hate_speech", 0, source="ntk-desk")
    insert(intake.database_url, row)
    url = f"/v1/escalations/{row.id}"
    with intake.client(key) as source:
        named = problem(source.post(f"{url}/acknowledge", json={"by": "ciaran"}), 403)
        assert "a source key acts as system:<source> (here system:ntk-desk)" in named["detail"]
        problem(source.post(f"{url}/reassign", json={"to": "ciaran"}), 403)
        assert 202 == source.post(f"{url}/resolve", json={"resolution": "actioned"}).status_code

    def resolved() -> list[dict[str, Any]]:
        return [e for e in intake.events(row.id) if "resolve" in e["type"]]

    (event,) = wait_for(resolved, what="the resolve command")
    assert ("system:ntk-desk", "ntk-desk") == (event["data"]["by"], event["data"]["source"])


def _open_load(client: httpx.Client, person: str) -> int:
    """Return ``person``'s open escalations in the simulation's state, as ``client`` sees it."""
    answer = client.post("/v1/simulate", json=ESCALATION)
    assert 200 == answer.status_code, answer.text
    loads = {p["person"]: p for p in answer.json()["state"]["person_load"]}
    assert loads[person]["last_assigned_at"] is None  # would date hidden assignments
    return int(loads[person]["open_escalations"])


def test_a_simulation_counts_only_the_load_a_person_can_see(intake: Intake) -> None:
    """The load of a candidate leaves out what need-to-know hides from the one asking."""
    with _as(intake, "liam") as liam:
        first = liam.post("/v1/simulate", json=ESCALATION).json()["state"]["person_load"]
    assert first, "someone is on duty at level 1"
    candidate = first[0]["person"]
    hidden = _row("child-safety", "child_safety", 0, owner=candidate)
    shown = _row("general-ts", "hate_speech", 1, owner=candidate)
    insert(intake.database_url, hidden, shown)
    # roisin leads child-safety and sees the hidden one; liam (general-ts) does not.
    with _as(intake, "liam") as liam, _as(intake, "roisin") as roisin:
        seen_by_liam, seen_by_roisin = _open_load(liam, candidate), _open_load(roisin, candidate)
        listed = _items(liam, {"owner": candidate, "limit": "200"})
    visible_open = [i for i in listed if i["status"] != "resolved"]
    assert (len(visible_open), seen_by_liam + 1) == (seen_by_liam, seen_by_roisin)

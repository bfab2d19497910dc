"""Contract of every intake endpoint: answers, events published, and errors."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from escalations.core.escalation import SourceKind
from escalations_intake.auth.api_keys import Scope
from tests.e2e.intake.conftest import Intake
from tests.e2e.intake.helpers import ESCALATION, problem
from tests.e2e.intake.rows import escalation_row, history, insert, override, time_off
from tests.support import person_token

pytestmark = pytest.mark.e2e
FUTURE = datetime(2030, 3, 6, 12, 0, tzinfo=UTC)  # a Wednesday, noon in Dublin


def test_create_publishes_received_with_the_key_source(intake: Intake) -> None:
    """A create answers 202 and the broker holds escalation.received with source and kind."""
    key = intake.key("legal", SourceKind.LEGAL, frozenset({Scope.WRITE}))
    body = {**ESCALATION, "external_id": f"C-{uuid.uuid4()}", "region": "IE"}
    with intake.client(key) as client:
        response = client.post("/v1/escalations", json=body)
    assert 202 == response.status_code, response.text
    accepted = response.json()
    assert {"status": "received", "duplicate": False} == {
        k: accepted[k] for k in ("status", "duplicate")
    }
    (event,) = intake.events(accepted["id"])
    assert "escalation.received" == event["type"]
    assert ("legal", "legal", "IE") == (
        event["data"]["source"],
        event["data"]["source_kind"],
        event["data"]["request"]["region"],
    )


def test_repeat_is_a_duplicate_with_the_same_id(intake: Intake) -> None:
    """The same (source, external_id) gives the same id; once stored, duplicate is true."""
    external = f"D-{uuid.uuid4()}"
    with intake.client() as client:
        first = client.post("/v1/escalations", json={**ESCALATION, "external_id": external}).json()
        insert(intake.database_url, escalation_row(id=first["id"], source="admin"))
        second = client.post("/v1/escalations", json={**ESCALATION, "external_id": external})
    assert (first["id"], True) == (second.json()["id"], second.json()["duplicate"])


def test_read_returns_state_history_and_decision(intake: Intake) -> None:
    """GET answers the stored state with priority, deadlines, history and assignment."""
    row = escalation_row()
    insert(intake.database_url, row, history(row.id, "received"), history(row.id, "assigned"))
    with intake.client() as client:
        state = client.get(f"/v1/escalations/{row.id}").json()
    assert (row.id, "assigned", "P2", "ciaran", 1) == (
        state["id"],
        state["status"],
        state["priority"]["tier"],
        state["owner"],
        state["reports"],
    )
    assert ["received", "assigned"] == [h["action"] for h in state["history"]]
    assert {"acknowledge_by", "resolve_by", "regulatory_deadline"} == set(state["deadlines"])


def test_list_filters_by_status_team_priority_and_owner(intake: Intake) -> None:
    """Each filter keeps only matching rows; combined filters intersect."""
    tag = uuid.uuid4().hex[:8]
    rows = [
        escalation_row(team=f"t-{tag}", status="assigned", tier="P1", owner="aoife"),
        escalation_row(team=f"t-{tag}", status="resolved", tier="P3", owner="sean"),
    ]
    insert(intake.database_url, *rows)
    cases = [
        ({"team": f"t-{tag}"}, {rows[0].id, rows[1].id}),
        ({"team": f"t-{tag}", "status": "resolved"}, {rows[1].id}),
        ({"team": f"t-{tag}", "priority": "P1"}, {rows[0].id}),
        ({"team": f"t-{tag}", "owner": "sean"}, {rows[1].id}),
    ]
    with intake.client() as client:
        for params, expected in cases:
            items = client.get("/v1/escalations", params=params).json()["items"]
            assert expected == {i["id"] for i in items}, params


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"status": "sleeping"}, 422, "status"),
        ({"priority": "P9"}, 422, "priority"),
        ({"limit": 0}, 422, "limit"),
        ({"limit": 201}, 422, "limit"),
        ({"cursor": "not-a-cursor"}, 422, "cursor"),
    ],
)
def test_list_rejects_bad_parameters(
    intake: Intake, params: dict[str, str | int], status: int, field: str
) -> None:
    """Bad list parameters are problems naming the parameter."""
    with intake.client() as client:
        body = problem(client.get("/v1/escalations", params=params), status)
    assert field in body["detail"]


@pytest.mark.parametrize(
    ("command", "person", "body", "published"),
    [
        ("acknowledge", "ciaran", {}, "escalation.acknowledge_requested"),
        (
            "resolve",
            "ciaran",
            {"resolution": "actioned", "note": "removed"},
            "escalation.resolve_requested",
        ),
        # Reassigning needs a lead of the team: sean leads ts-dublin (the demo configuration).
        (
            "reassign",
            "sean",
            {"to": "niamh", "reason": "language"},
            "escalation.reassign_requested",
        ),
    ],
)
def test_act_commands_are_published_for_the_router(
    intake: Intake, command: str, person: str, body: dict[str, str], published: str
) -> None:
    """Each act endpoint answers 202 and publishes its command keyed by the escalation.

    A person acts with their own token, as themselves (docs/contract/access.md).
    """
    row = escalation_row()
    insert(intake.database_url, row)
    with intake.client(person_token(intake.base_url, intake.admin_key, person)) as client:
        response = client.post(f"/v1/escalations/{row.id}/{command}", json=body)
    assert 202 == response.status_code, response.text
    assert {"id": row.id, "command": command, "accepted": True} == response.json()
    (event,) = intake.events(row.id)
    assert (published, f"person:{person}") == (event["type"], event["data"]["source"])
    assert person == event["data"]["by"]


@pytest.mark.parametrize(
    ("command", "body", "status", "field"),
    [
        ("acknowledge", {"by": "Bad Id!"}, 422, "by: String should match pattern"),
        ("acknowledge", {"mood": "tired"}, 422, "mood: unknown field"),
        ("resolve", {"resolution": "vanished"}, 422, "resolution"),
        ("reassign", {}, 422, "to: Field required"),
        ("reassign", {"to": "sean", "reason": "x" * 2001}, 422, "reason"),
    ],
)
def test_act_rejects_bad_bodies(
    intake: Intake, command: str, body: dict[str, str], status: int, field: str
) -> None:
    """Invalid act bodies are 422 problems naming the field."""
    row = escalation_row()
    insert(intake.database_url, row)
    with intake.client() as client:
        got = problem(client.post(f"/v1/escalations/{row.id}/{command}", json=body), status)
    assert field in got["detail"]


def test_act_on_unknown_escalation_is_404(intake: Intake) -> None:
    """Acting on an id nobody stored is a 404 naming the id, and publishes nothing."""
    missing = str(uuid.uuid4())
    with intake.client() as client:
        got = problem(client.post(f"/v1/escalations/{missing}/acknowledge", json={}), 404)
    assert missing in got["detail"]
    assert [] == intake.events(missing)


def test_override_is_validated_and_published_keyed_by_team(intake: Intake) -> None:
    """A valid override answers 202 and publishes schedule.override_requested for the team."""
    start = datetime.now(UTC) + timedelta(days=1)
    body = {
        "person": "liam",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=8)).isoformat(),
    }
    with intake.client() as client:
        response = client.post("/v1/teams/ts-dublin/overrides", json=body)
    assert 202 == response.status_code, response.text
    answer = response.json()
    events = [e for e in intake.events("ts-dublin") if e["data"].get("override_id") == answer["id"]]
    assert 1 == len(events)
    assert ("schedule.override_requested", "liam") == (
        events[0]["type"],
        events[0]["data"]["person"],
    )


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        ("/v1/teams/no-such-team/overrides", {"person": "liam"}, 404, "no team 'no-such-team'"),
        ("/v1/teams/ts-dublin/overrides", {"person": "ghost"}, 422, "person: unknown person"),
        (
            "/v1/teams/ts-dublin/overrides",
            {"person": "liam", "end": "2026-01-01T00:00:00Z"},
            422,
            "end",
        ),
        (
            "/v1/teams/ts-dublin/overrides",
            {"person": "liam", "start": "2031-01-01T00:00:00"},
            422,
            "start: Value error, timestamp needs a time zone",
        ),
        (
            "/v1/teams/ts-dublin/overrides",
            {"person": "liam", "end": "2032-01-01T00:00:00Z"},
            422,
            "longer than 90 days",
        ),
        (
            "/v1/teams/ts-dublin/overrides",
            {"person": "liam", "start": "2020-01-01T00:00:00Z", "end": "2020-01-02T00:00:00Z"},
            422,
            "end: must be in the future",
        ),
        ("/v1/people/ghost/time-off", {}, 404, "no person 'ghost'"),
        ("/v1/people/liam/time-off", {"reason": "x" * 501}, 422, "reason"),
        ("/v1/people/liam/time-off", {"colour": "red"}, 422, "colour: unknown field"),
    ],
)
def test_schedule_commands_reject_bad_input(
    intake: Intake, path: str, body: dict[str, str], status: int, field: str
) -> None:
    """Overrides and time off are checked against the configured teams, people and windows."""
    full = {"start": "2031-01-01T00:00:00Z", "end": "2031-01-02T00:00:00Z", **body}
    with intake.client() as client:
        got = problem(client.post(path, json=full), status)
    assert field in got["detail"]


def test_time_off_is_published_keyed_by_person(intake: Intake) -> None:
    """Valid time off answers 202 and publishes schedule.time_off_requested for the person."""
    body = {"start": "2031-02-01T00:00:00Z", "end": "2031-02-08T00:00:00Z", "reason": "holiday"}
    with intake.client() as client:
        answer = client.post("/v1/people/orla/time-off", json=body).json()
    (event,) = [e for e in intake.events("orla") if e["data"].get("time_off_id") == answer["id"]]
    assert ("schedule.time_off_requested", "holiday") == (event["type"], event["data"]["reason"])


def _level_one(intake: Intake, at: datetime) -> list[tuple[str, str]]:
    with intake.client() as client:
        answer = client.get("/v1/oncall", params={"team": "ts-dublin", "at": at.isoformat()}).json()
    assert [1, 2, 3] == [level["level"] for level in answer["levels"]]
    return [(p["person"], p["layer"]) for p in answer["levels"][0]["people"]]


def test_oncall_applies_stored_overrides(intake: Intake) -> None:
    """An override row (as the router stores it) puts the person on duty with layer override."""
    before = _level_one(intake, FUTURE)
    assert (2, {"weekday-business"}) == (len(before), {layer for _, layer in before})
    insert(
        intake.database_url,
        override("ts-dublin", "liam", FUTURE - timedelta(hours=1), FUTURE + timedelta(hours=1)),
    )
    assert [("liam", "override")] == _level_one(intake, FUTURE)


def test_oncall_skips_people_on_time_off(intake: Intake) -> None:
    """Time off removes the person; the next member of the layer covers."""
    at = FUTURE + timedelta(days=1)
    before = _level_one(intake, at)
    away = before[0][0]
    insert(intake.database_url, time_off(away, at - timedelta(hours=2), at + timedelta(hours=2)))
    after = _level_one(intake, at)
    assert away not in [person for person, _ in after]
    assert len(before) == len(after)


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"team": "nope"}, 404, "no team 'nope'"),
        ({"team": "ts-dublin", "at": "2030-03-06T12:00:00"}, 422, "at"),
        ({}, 422, "team: Field required"),
    ],
)
def test_oncall_rejects_bad_parameters(
    intake: Intake, params: dict[str, str], status: int, field: str
) -> None:
    """Unknown teams, naive instants and a missing team are problems naming the parameter."""
    with intake.client() as client:
        got = problem(client.get("/v1/oncall", params=params), status)
    assert field in got["detail"]


def test_calendar_feeds_are_icalendar(intake: Intake) -> None:
    """Team and person feeds answer text/calendar with the shifts in the window."""
    window = {"from": "2030-03-06T00:00:00Z", "to": "2030-03-09T00:00:00Z"}
    with intake.client() as client:
        team = client.get("/v1/teams/ts-dublin/schedule.ics", params=window)
        person = client.get("/v1/people/ciaran/oncall.ics", params=window)
    for response in (team, person):
        assert 200 == response.status_code, response.text
        assert response.headers["content-type"].startswith("text/calendar")
        assert response.text.startswith("BEGIN:VCALENDAR")
        assert "BEGIN:VEVENT" in response.text


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/v1/teams/nope/schedule.ics", {}, 404),
        ("/v1/people/ghost/oncall.ics", {}, 404),
        (
            "/v1/teams/ts-dublin/schedule.ics",
            {"from": "2030-03-06T00:00:00Z", "to": "2030-03-05T00:00:00Z"},
            422,
        ),
        (
            "/v1/teams/ts-dublin/schedule.ics",
            {"from": "2030-01-01T00:00:00Z", "to": "2032-01-01T00:00:00Z"},
            422,
        ),
    ],
)
def test_calendar_rejects_bad_requests(
    intake: Intake, path: str, params: dict[str, str], status: int
) -> None:
    """Unknown ids are 404; an empty or over-long window is 422."""
    with intake.client() as client:
        problem(client.get(path, params=params), status)


def test_simulate_answers_the_decision_and_publishes_nothing(intake: Intake) -> None:
    """Simulate scores, routes and lists pages; nothing reaches the broker."""
    before = len(intake.events())
    body = {
        "title": "Threat to a school",
        "policy_area": "violent_threat",
        "region": "IE",
        "signals": {"imminence": "imminent_specific"},
        "at": FUTURE.isoformat(),
    }
    with intake.client() as client:
        response = client.post("/v1/simulate", json=body)
    assert 200 == response.status_code, response.text
    sim = response.json()
    assert ("P0", "ts-dublin") == (sim["priority"]["tier"], sim["team"])
    assert sim["owner"] is not None
    assert 1 == sim["pages"][0]["level"]
    assert before == len(intake.events())


def test_simulate_rejects_invalid_escalations(intake: Intake) -> None:
    """Simulate validates like create: unknown fields and naive instants are 422."""
    with intake.client() as client:
        unknown = problem(client.post("/v1/simulate", json={**ESCALATION, "x": 1}), 422)
        naive = problem(
            client.post("/v1/simulate", json={**ESCALATION, "at": "2030-01-01T00:00"}), 422
        )
    assert "x: unknown field" in unknown["detail"]
    assert "at" in naive["detail"]


def test_docs_and_health_are_served(intake: Intake) -> None:
    """/docs is the interactive documentation; /healthz and /readyz answer without a key."""
    docs = httpx.get(f"{intake.base_url}/docs")
    assert (200, True) == (docs.status_code, "swagger-ui" in docs.text)
    assert {"status": "ok"} == httpx.get(f"{intake.base_url}/healthz").json()
    ready = httpx.get(f"{intake.base_url}/readyz").json()
    assert ("ready", {"kafka": "ok", "postgres": "ok"}) == (ready["status"], ready["checks"])
    assert (None, None) == (ready["config"]["error"], ready["config"]["last_reload"])

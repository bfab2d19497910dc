"""Schedule changes people can manage, through a real intake, Kafka, router and Postgres.

Overrides and time off are listed and cancelled (the router applies the cancel and records
it in the schedule history), and secret calendar feed URLs work without headers, reflect
overrides, and stop working when revoked.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.router.configs import config
from tests.e2e.router.conftest import MakeRig
from tests.e2e.router.rig import Rig, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def rig(make_rig: MakeRig) -> Rig:
    """One intake and one router over the test configuration."""
    made = make_rig(config())
    made.start_intake()
    made.start_router()
    return made


def _window(hours_from_now: float, hours: float) -> dict[str, str]:
    start = (datetime.now(UTC) + timedelta(hours=hours_from_now)).replace(microsecond=0)
    return {"start": start.isoformat(), "end": (start + timedelta(hours=hours)).isoformat()}


def _ids(client: httpx.Client, path: str) -> list[str]:
    response = client.get(path)
    assert 200 == response.status_code, response.text
    return [entry["id"] for entry in response.json()["items"]]


def _level_one(client: httpx.Client, team: str, at: str | None = None) -> list[tuple[str, str]]:
    params = {"team": team, **({"at": at} if at else {})}
    answer = client.get("/v1/oncall", params=params).json()
    return [(p["person"], p["layer"]) for p in answer["levels"][0]["people"]]


def _history(client: httpx.Client, path: str, item_id: str) -> list[dict[str, Any]]:
    items = client.get(path).json()["items"]
    return [entry for entry in items if entry["id"] == item_id]


def test_override_is_listed_cancelled_and_recorded(rig: Rig) -> None:
    """An override is listed, then cancelled by the router: gone from lists and /v1/oncall."""
    with rig.client() as client:
        added = client.post("/v1/teams/cs/overrides", json={"person": "gus", **_window(-1, 3)})
        assert 202 == added.status_code, added.text
        override_id = added.json()["id"]
        wait_until(
            lambda: override_id in _ids(client, "/v1/teams/cs/overrides"), 15, "override stored"
        )
        assert [("gus", "override")] == _level_one(client, "cs")
        cancelled = client.delete(
            f"/v1/teams/cs/overrides/{override_id}", params={"reason": "<i>swap</i> called off"}
        )
        assert 202 == cancelled.status_code, cancelled.text
        assert ("cancel_requested", "gus") == (
            cancelled.json()["status"],
            cancelled.json()["person"],
        )
        wait_until(
            lambda: override_id not in _ids(client, "/v1/teams/cs/overrides"),
            15,
            "override cancelled",
        )
        assert [("dana", "always")] == _level_one(client, "cs")
        # A running override ends now: it stays in a listing of the past hour, cut short.
        past = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
        assert [override_id] == _ids(
            client, f"/v1/teams/cs/overrides?from={past.replace('+', '%2B')}"
        )
        history = _history(client, "/v1/teams/cs/schedule-history", override_id)
    assert [
        ("override_cancelled", "system:admin", "<i>swap</i> called off"),
        ("override_added", "system:admin", None),
    ] == [(h["action"], h["actor"], h["reason"]) for h in history]


def test_future_time_off_is_listed_cancelled_and_recorded(rig: Rig) -> None:
    """Time off ahead is listed, cancelled (removed), and both changes are in the history."""
    window = _window(24, 8)
    at = (datetime.fromisoformat(window["start"]) + timedelta(hours=1)).isoformat()
    with rig.client() as client:
        added = client.post("/v1/people/gus/time-off", json={**window, "reason": "dentist"})
        assert 202 == added.status_code, added.text
        time_off_id = added.json()["id"]
        wait_until(
            lambda: time_off_id in _ids(client, "/v1/people/gus/time-off"), 15, "time off stored"
        )
        assert [("fiona", "always")] == _level_one(client, "general", at)
        cancelled = client.delete(f"/v1/people/gus/time-off/{time_off_id}")
        assert 202 == cancelled.status_code, cancelled.text
        wait_until(
            lambda: time_off_id not in _ids(client, "/v1/people/gus/time-off"),
            15,
            "time off cancelled",
        )
        assert {"fiona", "gus"} == {p for p, _ in _level_one(client, "general", at)}
        again = client.delete(f"/v1/people/gus/time-off/{time_off_id}")
        history = _history(client, "/v1/people/gus/schedule-history", time_off_id)
    assert 404 == again.status_code
    assert [("time_off_cancelled", None), ("time_off_added", "dentist")] == [
        (h["action"], h["reason"]) for h in history
    ]


def test_feed_url_works_without_headers_reflects_overrides_and_dies_when_revoked(
    rig: Rig,
) -> None:
    """A team feed URL serves iCalendar with no header, shows an override, 404s once revoked."""
    with rig.client() as client:
        made = client.post("/v1/teams/legal/feeds", json={"description": "<b>wall</b> phone"})
        assert 201 == made.status_code, made.text
        feed = made.json()
        added = client.post("/v1/teams/legal/overrides", json={"person": "aoife", **_window(2, 2)})
        assert 202 == added.status_code
        override_id = added.json()["id"]
        wait_until(lambda: override_id in _ids(client, "/v1/teams/legal/overrides"), 15, "override")
        listed = client.get("/v1/teams/legal/feeds").json()["feeds"]
    # The rig leaves INTAKE_PUBLIC_URL at its default: the URL is built on it.
    path = f"/v1/feeds/{feed['secret']}.ics"
    assert f"http://127.0.0.1:8080{path}" == feed["url"]
    assert [(feed["id"], "<b>wall</b> phone", None)] == [
        (f["id"], f["description"], f["revoked_at"]) for f in listed
    ]
    assert all("secret" not in f for f in listed)
    served = httpx.get(rig.intake_url + path, timeout=10)
    assert (200, "text/calendar; charset=utf-8") == (
        served.status_code,
        served.headers["content-type"],
    )
    unfolded = served.text.replace("\r\n ", "")
    assert "SUMMARY:On call: Team legal (override) - Aoife" in unfolded
    with rig.client() as client:
        assert 204 == client.delete(f"/v1/teams/legal/feeds/{feed['id']}").status_code
        revoked_at = client.get("/v1/teams/legal/feeds").json()["feeds"][0]["revoked_at"]
    gone = httpx.get(rig.intake_url + path, timeout=10)
    assert (404, "application/problem+json") == (gone.status_code, gone.headers["content-type"])
    assert revoked_at is not None


def test_person_feed_honours_time_off(rig: Rig) -> None:
    """A personal feed URL works without headers and leaves out shifts during time off."""
    with rig.client() as client:
        url = rig.intake_url + "/v1/feeds/" + client.post("/v1/people/emil/feeds").json()["secret"]
        before = httpx.get(url + ".ics", timeout=10)
        added = client.post("/v1/people/emil/time-off", json=_window(-1, 24 * 70))
        assert 202 == added.status_code
        time_off_id = added.json()["id"]
        wait_until(lambda: time_off_id in _ids(client, "/v1/people/emil/time-off"), 15, "time off")
    after = httpx.get(url + ".ics", timeout=10)
    assert (200, 200) == (before.status_code, after.status_code)
    assert before.text.count("BEGIN:VEVENT") > after.text.count("BEGIN:VEVENT")


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "names"),
    [
        ("delete", "/v1/teams/cs/overrides/not-a-uuid", None, 422, "override_id"),
        ("delete", f"/v1/teams/cs/overrides/{uuid.uuid4()}", None, 404, "override_id"),
        ("delete", f"/v1/teams/nope/overrides/{uuid.uuid4()}", None, 404, "team"),
        ("delete", "/v1/people/gus/time-off/1", None, 422, "time_off_id"),
        ("delete", f"/v1/people/gus/time-off/{uuid.uuid4()}", None, 404, "time_off_id"),
        ("delete", f"/v1/people/nobody/time-off/{uuid.uuid4()}", None, 404, "person"),
        ("get", "/v1/teams/nope/overrides", None, 404, "team"),
        ("get", "/v1/people/nobody/time-off", None, 404, "person"),
        ("get", "/v1/teams/cs/overrides?from=2027-01-02T00:00:00Z&to=2027-01-01T00:00:00Z",
         None, 422, "to"),
        ("get", "/v1/people/gus/time-off?from=2027-01-01T00:00:00Z&to=2027-01-01T00:00:00Z",
         None, 422, "to"),
        ("get", "/v1/teams/cs/overrides?from=2027-01-01T00:00:00", None, 422, "from"),
        ("get", "/v1/people/nobody/schedule-history", None, 404, "person"),
        ("get", "/v1/teams/cs/schedule-history?limit=0", None, 422, "limit"),
        ("delete", f"/v1/teams/cs/overrides/{uuid.uuid4()}?reason=a%1Bb", None, 422, "reason"),
        ("delete", f"/v1/people/gus/time-off/{uuid.uuid4()}?reason={'x' * 501}", None, 422,
         "reason"),
        ("post", "/v1/teams/nope/feeds", {}, 404, "team"),
        ("post", "/v1/people/nobody/feeds", {}, 404, "person"),
        ("post", "/v1/people/gus/feeds", {"description": "a\x1b[31mred"}, 422, "description"),
        ("post", "/v1/people/gus/feeds", {"description": "x" * 201}, 422, "description"),
        ("post", "/v1/people/gus/feeds", {"colour": "red"}, 422, "colour"),
        ("delete", f"/v1/people/gus/feeds/{uuid.uuid4()}", None, 404, "feed_id"),
        ("delete", "/v1/people/gus/feeds/x", None, 422, "feed_id"),
        ("post", "/v1/people/gus/time-off", {"start": "2027-01-02T00:00:00Z",
         "end": "2027-01-01T00:00:00Z"}, 422, "end"),
        ("post", "/v1/teams/cs/overrides", {"person": "nobody", **_window(1, 1)}, 422, "person"),
    ],
)  # fmt: skip
def test_schedule_endpoints_refuse_bad_input_with_a_problem(
    rig: Rig, method: str, path: str, body: dict[str, Any] | None, status: int, names: str
) -> None:
    """Each endpoint answers a problem+json naming what is wrong: bad ids, windows, unknowns."""
    with rig.client() as client:
        response = client.request(method, path, json=body)
    assert (status, "application/problem+json") == (
        response.status_code,
        response.headers["content-type"],
    )
    assert names in response.json()["detail"]


@pytest.mark.parametrize(
    ("secret", "status"),
    [
        ("ecf_unknown", 404),
        ("nope", 404),
        ("%3Cscript%3Ealert(1)%3C%2Fscript%3E", 404),
        ("ecf_" + "x" * 300, 422),
        ("ecf_%00x", 422),
    ],
)
def test_unknown_feed_secrets_are_refused_without_headers(
    rig: Rig, secret: str, status: int
) -> None:
    """Unknown, malformed, huge and hostile secrets get a problem, never a calendar."""
    response = httpx.get(f"{rig.intake_url}/v1/feeds/{secret}.ics", timeout=10)
    assert (status, "application/problem+json") == (
        response.status_code,
        response.headers["content-type"],
    )
    assert "<script>" not in response.text

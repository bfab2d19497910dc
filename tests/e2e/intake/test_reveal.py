"""Sensitive content through the real intake: hidden in reads, shown to a person's reveal.

A reveal is audited and published for the router, which counts it toward the person's
graphic exposure (docs/contract/http-api.md, "Sensitive content and reveal").
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import orjson
import pytest

from tests.e2e.intake.conftest import Intake
from tests.e2e.intake.helpers import problem
from tests.e2e.intake.rows import escalation_row, history, insert
from tests.support import person_token, query

pytestmark = pytest.mark.e2e
SECRET_URL = "https://cdn.example.com/raw/4711.jpg"
TEAM = "reveal-tests"  # a team of these tests alone, so the list shows their escalation


def _request(**changes: Any) -> dict[str, Any]:
    request = {
        "title": "Graphic video, mirrored at www.mirror.example/v",
        "description": "Victim named in the post",
        "policy_area": "graphic_violence",
        "content_refs": [
            {"kind": "pin", "id": "9876543210", "url": SECRET_URL},
            {"kind": "account", "id": "acct-77", "url": None},
        ],
        "reporter": {"name": "Jo", "contact": "https://forms.example.com/jo"},
    }
    request.update(changes)
    return request


@pytest.fixture(scope="module")
def ciaran(intake: Intake) -> str:
    """A personal token of ciaran (on ts-dublin), reading only."""
    return person_token(intake.base_url, intake.admin_key, "ciaran", ("escalations:read",))


def _store(intake: Intake, request: dict[str, Any], team: str = "ts-dublin") -> str:
    row = escalation_row(
        request=request, title=request["title"], policy_area=request["policy_area"], team=team
    )
    insert(intake.database_url, row, history(row.id, "assigned"))
    return row.id


def _audit(intake: Intake, esc_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    sql = "SELECT actor, action, detail FROM audit_log WHERE subject_id = $1 ORDER BY seq"
    rows = asyncio.run(query(intake.database_url, sql, esc_id))
    return [(r["actor"], r["action"], _json(r["detail"])) for r in rows]


def _json(value: Any) -> dict[str, Any]:
    return orjson.loads(value) if isinstance(value, str | bytes) else dict(value)


def _reveals(intake: Intake, esc_id: str) -> list[dict[str, Any]]:
    return [e for e in intake.events(esc_id) if e["type"] == "escalation.reveal_requested"]


def _assert_redacted(view: dict[str, Any]) -> None:
    assert (True, True, None) == (view["sensitive"], view["redacted"], view["description"])
    assert [
        {"kind": "pin", "id": None, "url": None},
        {"kind": "account", "id": None, "url": None},
    ] == view["content_refs"]
    assert "Graphic video, mirrored at [url]" == view["title"]
    assert {"name": "Jo", "contact": "[url]"} == view["reporter"]


def test_a_sensitive_escalation_is_redacted_for_keys_and_people(
    intake: Intake, ciaran: str
) -> None:
    """GET and the list hide description, content ids and URLs, whoever reads."""
    esc_id = _store(intake, _request(), team=TEAM)
    for key in (intake.admin_key, ciaran):
        with intake.client(key) as client:
            read = client.get(f"/v1/escalations/{esc_id}")
            listed = client.get("/v1/escalations", params={"team": TEAM})
        assert 200 == read.status_code, read.text
        _assert_redacted(read.json())
        assert 200 == listed.status_code, listed.text
        (item,) = [i for i in listed.json()["items"] if i["id"] == esc_id]
        _assert_redacted(item)
        for text in (read.text, listed.text):
            assert "cdn.example.com" not in text
            assert "9876543210" not in text
            assert "Victim" not in text


def test_a_person_reveals_it_audited_and_published(intake: Intake, ciaran: str) -> None:
    """200 with everything, one audit entry, one event for the router; reads stay redacted."""
    esc_id = _store(intake, _request())
    with intake.client(ciaran) as client:
        revealed = client.post(f"/v1/escalations/{esc_id}/reveal")
        read_after = client.get(f"/v1/escalations/{esc_id}")
    assert 200 == revealed.status_code, revealed.text
    body = revealed.json()
    assert (True, False, True) == (body["sensitive"], body["redacted"], body["exposure_counted"])
    assert "Victim named in the post" == body["description"]
    assert [("9876543210", SECRET_URL), ("acct-77", None)] == [
        (ref["id"], ref["url"]) for ref in body["content_refs"]
    ]
    assert "www.mirror.example" in body["title"]
    assert [("ciaran", "escalation.reveal", {"by": "ciaran"})] == _audit(intake, esc_id)
    (event,) = _reveals(intake, esc_id)
    assert {"escalation_id": esc_id, "by": "ciaran", "source": "person:ciaran"} == {
        k: event["data"][k] for k in ("escalation_id", "by", "source")
    }
    assert esc_id == event["subject"]
    _assert_redacted(read_after.json())


def test_a_source_key_cannot_reveal(intake: Intake) -> None:
    """Only a person reveals: a key, even with every scope, is 403; nothing is published."""
    esc_id = _store(intake, _request())
    with intake.client() as admin:
        refused = problem(admin.post(f"/v1/escalations/{esc_id}/reveal"), 403)
    assert "a reveal is a person's: sign in or use a personal token" == refused["detail"]
    assert ([], []) == (_audit(intake, esc_id), _reveals(intake, esc_id))


def test_a_retried_reveal_counts_once(intake: Intake, ciaran: str) -> None:
    """The same Idempotency-Key twice: one event, one audit entry, the content both times."""
    esc_id = _store(intake, _request())
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    with intake.client(ciaran) as client:
        first = client.post(f"/v1/escalations/{esc_id}/reveal", headers=headers)
        again = client.post(f"/v1/escalations/{esc_id}/reveal", headers=headers)
    assert (200, 200) == (first.status_code, again.status_code), again.text
    assert "true" == again.headers.get("Idempotent-Replayed")
    assert first.json() == again.json()
    assert 1 == len(_reveals(intake, esc_id))
    assert 1 == len(_audit(intake, esc_id))


def test_a_reveal_of_content_never_hidden_counts_nothing(intake: Intake, ciaran: str) -> None:
    """Not sensitive: the view, `exposure_counted: false`, no event and no audit entry."""
    esc_id = _store(intake, _request(policy_area="hate_speech"))
    with intake.client(ciaran) as client:
        answer = client.post(f"/v1/escalations/{esc_id}/reveal")
    assert 200 == answer.status_code, answer.text
    body = answer.json()
    assert (False, False, False) == (body["sensitive"], body["redacted"], body["exposure_counted"])
    assert "Victim named in the post" == body["description"]
    assert ([], []) == (_audit(intake, esc_id), _reveals(intake, esc_id))


def test_a_reveal_of_a_missing_escalation_is_404(intake: Intake, ciaran: str) -> None:
    """Nothing to reveal: 404 naming the id, nothing published."""
    missing = str(uuid.uuid4())
    with intake.client(ciaran) as client:
        answer = problem(client.post(f"/v1/escalations/{missing}/reveal"), 404)
    assert missing in answer["detail"]
    assert [] == _reveals(intake, missing)


def test_hostile_content_is_hidden_and_revealed_exactly(intake: Intake, ciaran: str) -> None:
    """Markup, control characters and fields at their limits: hidden whole, revealed as sent."""
    description = "\u0007<script>alert(1)</script>\u202e" + "d" * 19_970
    refs = [{"kind": "pin", "id": f"<b>{n}</b>\x1b[31m", "url": SECRET_URL} for n in range(100)]
    request = _request(
        title="<img src=x onerror=alert(1)>\x1b[0m" + "w" * 150 + " www.evil.example",
        description=description,
        content_refs=refs,
        signals={"graphic": True},
        policy_area="harassment",
    )
    esc_id = _store(intake, request)
    with intake.client(ciaran) as client:
        read = client.get(f"/v1/escalations/{esc_id}")
        revealed = client.post(f"/v1/escalations/{esc_id}/reveal")
    assert 200 == read.status_code, read.text
    view = read.json()
    assert (True, None, 100) == (view["redacted"], view["description"], len(view["content_refs"]))
    assert all(ref["id"] is None and ref["url"] is None for ref in view["content_refs"])
    for leak in ("<script>", "<b>", "evil.example", "cdn.example.com"):
        assert leak not in read.text
    assert 200 == revealed.status_code, revealed.text
    shown = revealed.json()
    assert (description, request["title"]) == (shown["description"], shown["title"])
    assert [r["id"] for r in refs] == [r["id"] for r in shown["content_refs"]]

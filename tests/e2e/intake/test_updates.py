"""Status updates through the real intake: the command, its audit entry, and the read model.

``POST /v1/escalations/{id}/updates`` publishes ``escalation.update_requested`` for the
router and audits ``escalation.update`` (the audience, never the text); the stored updates
are part of the escalation's state (docs/contract/http-api.md, "Status updates"). The
router is not running here: updates are stored as the router would store them.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from escalations.db.models_updates import UpdateRow
from tests.e2e.intake.conftest import Intake
from tests.e2e.intake.helpers import problem
from tests.e2e.intake.rows import escalation_row, history, insert
from tests.support import person_token, query

pytestmark = pytest.mark.e2e
TEXT = "Removed in IE, see https://cdn.example.com/raw/4711.jpg"


@pytest.fixture(scope="module")
def ciaran(intake: Intake) -> str:
    """A personal token of ciaran (on ts-dublin), reading and acting."""
    return person_token(intake.base_url, intake.admin_key, "ciaran")


def _store(intake: Intake, **changes: Any) -> str:
    row = escalation_row(**changes)
    insert(intake.database_url, row, history(row.id, "assigned"))
    return row.id


def _audit(intake: Intake, esc_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    sql = "SELECT actor, action, detail FROM audit_log WHERE subject_id = $1 ORDER BY seq"
    rows = asyncio.run(query(intake.database_url, sql, esc_id))
    return [(r["actor"], r["action"], _json(r["detail"])) for r in rows]


def _json(value: Any) -> dict[str, Any]:
    return orjson.loads(value) if isinstance(value, str | bytes) else dict(value)


def _commands(intake: Intake, esc_id: str) -> list[dict[str, Any]]:
    return [e for e in intake.events(esc_id) if e["type"] == "escalation.update_requested"]


def test_a_person_posts_an_update_published_and_audited(intake: Intake, ciaran: str) -> None:
    """202 once the broker has it; the command carries the text; the audit entry does not."""
    esc_id = _store(intake)
    body = {"audience": "stakeholders", "text": f"  {TEXT}\n"}
    with intake.client(ciaran) as client:
        answer = client.post(f"/v1/escalations/{esc_id}/updates", json=body)
    assert 202 == answer.status_code, answer.text
    assert {"id": esc_id, "command": "update", "accepted": True} == answer.json()
    (event,) = _commands(intake, esc_id)
    data = event["data"]
    assert (esc_id, "ciaran", "stakeholders", TEXT, "person:ciaran") == (
        data["escalation_id"], data["by"], data["audience"], data["text"], data["source"],
    )  # fmt: skip
    audit = _audit(intake, esc_id)
    assert [("ciaran", "escalation.update", {"by": "ciaran", "audience": "stakeholders"})] == audit
    assert "Removed" not in str(audit)


def test_a_retried_update_with_its_key_is_published_once(intake: Intake, ciaran: str) -> None:
    """The same ``Idempotency-Key`` and body: the same answer, one command, one audit entry."""
    esc_id = _store(intake)
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    body = {"audience": "team", "text": "checked the account"}
    with intake.client(ciaran) as client:
        first = client.post(f"/v1/escalations/{esc_id}/updates", json=body, headers=headers)
        again = client.post(f"/v1/escalations/{esc_id}/updates", json=body, headers=headers)
    assert (202, 202) == (first.status_code, again.status_code), again.text
    assert first.json() == again.json()
    assert 1 == len(_commands(intake, esc_id))
    assert 1 == len(_audit(intake, esc_id))


def test_a_source_key_may_not_post_an_update(intake: Intake) -> None:
    """An update is a person's: a source key is 403, and nothing is published."""
    esc_id = _store(intake)
    with intake.client() as client:
        answer = client.post(
            f"/v1/escalations/{esc_id}/updates", json={"audience": "team", "text": "x"}
        )
    detail = problem(answer, 403)["detail"]
    assert "an update is a person's: sign in or use a personal token" == detail
    assert [] == _commands(intake, esc_id)


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ({"audience": "everyone", "text": "x"}, "audience"),
        ({"audience": "team", "text": ""}, "text"),
        ({"audience": "team", "text": "   \n"}, "text"),
        ({"audience": "team", "text": "x" * 5001}, "text"),
        ({"audience": "team", "text": "a\x00b"}, "text"),
        ({"audience": "team"}, "text"),
        ({"text": "x"}, "audience"),
        ({"audience": "team", "text": "x", "by": "sean"}, "by"),
    ],
)
def test_a_bad_body_is_422_naming_the_field(
    intake: Intake, ciaran: str, body: dict[str, Any], names: str
) -> None:
    """Audience, text bounds, NUL, blank text and unknown fields are refused by name."""
    esc_id = _store(intake)
    with intake.client(ciaran) as client:
        answer = client.post(f"/v1/escalations/{esc_id}/updates", json=body)
    assert names in problem(answer, 422)["detail"]


def test_an_update_on_a_missing_escalation_is_404(intake: Intake, ciaran: str) -> None:
    """No escalation, nothing published."""
    esc_id = str(uuid.uuid4())
    with intake.client(ciaran) as client:
        answer = client.post(
            f"/v1/escalations/{esc_id}/updates", json={"audience": "team", "text": "x"}
        )
    assert f"no escalation with id '{esc_id}'" == problem(answer, 404)["detail"]
    assert [] == _commands(intake, esc_id)


def _updates(esc_id: str, count: int) -> list[UpdateRow]:
    start = datetime.now(UTC) - timedelta(hours=1)
    return [
        UpdateRow(
            id=str(uuid.uuid4()),
            escalation_id=esc_id,
            audience=("team", "requester")[n % 2],
            text=f"{n}: {TEXT}",
            by="ciaran",
            at=start + timedelta(seconds=n),
        )
        for n in range(count)
    ]


def test_the_state_shows_the_newest_100_updates_and_the_list_none(
    intake: Intake, ciaran: str
) -> None:
    """Newest first, at most 100, each with id, audience, text, by and at; the list: []."""
    team = f"updates-{uuid.uuid4().hex[:8]}"
    esc_id = _store(intake, team=team)
    stored = _updates(esc_id, 102)
    insert(intake.database_url, *stored)
    with intake.client() as client:
        read = client.get(f"/v1/escalations/{esc_id}")
        listed = client.get("/v1/escalations", params={"team": team})
    assert 200 == read.status_code, read.text
    updates = read.json()["updates"]
    assert 100 == len(updates)
    newest = stored[-1]
    assert {"id": newest.id, "audience": "requester", "text": newest.text, "by": "ciaran"} == {
        k: updates[0][k] for k in ("id", "audience", "text", "by")
    }
    assert [u.id for u in reversed(stored[2:])] == [u["id"] for u in updates]
    (item,) = listed.json()["items"]
    assert [] == item["updates"]


def test_urls_in_updates_are_hidden_until_revealed(intake: Intake, ciaran: str) -> None:
    """A sensitive escalation's updates read ``[url]``; the reveal answer shows them."""
    request = {"title": "Graphic video", "policy_area": "graphic_violence"}
    esc_id = _store(intake, request=request, title="Graphic video", policy_area="graphic_violence")
    insert(intake.database_url, *_updates(esc_id, 1))
    with intake.client(ciaran) as client:
        read = client.get(f"/v1/escalations/{esc_id}")
        revealed = client.post(f"/v1/escalations/{esc_id}/reveal")
    assert 200 == read.status_code, read.text
    (hidden,) = read.json()["updates"]
    assert "0: Removed in IE, see [url]" == hidden["text"]
    assert "cdn.example.com" not in read.text
    assert 200 == revealed.status_code, revealed.text
    (shown,) = revealed.json()["updates"]
    assert f"0: {TEXT}" == shown["text"]

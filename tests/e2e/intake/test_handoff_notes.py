"""Handoff notes through the real intake and Postgres (docs/contract/http-api.md).

``POST /v1/teams/{team}/handoff-notes`` stores what the outgoing person leaves for the next
shift, audited without its text; ``GET`` lists the team's notes since an instant, newest
first. The demo configuration is in force: ciaran is on ts-dublin's schedule, liam on
general-ts's, clodagh a viewer.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from escalations.core.escalation import SourceKind
from escalations_intake.auth.api_keys import Scope
from tests.e2e.intake.conftest import Intake
from tests.e2e.intake.helpers import problem
from tests.support import person_token, query

pytestmark = pytest.mark.e2e
NOTES = "/v1/teams/ts-dublin/handoff-notes"


@pytest.fixture(scope="module")
def tokens(intake: Intake) -> dict[str, str]:
    """Personal tokens of ciaran (ts-dublin), liam (general-ts) and clodagh (viewer)."""
    made = {p: person_token(intake.base_url, intake.admin_key, p) for p in ("ciaran", "liam")}
    viewer = ("escalations:read",)
    made["clodagh"] = person_token(intake.base_url, intake.admin_key, "clodagh", viewer)
    return made


def _audit(intake: Intake, note_id: str) -> list[tuple[str, str, str, dict[str, Any]]]:
    sql = (
        "SELECT actor, action, subject_id, detail FROM audit_log "
        "WHERE action = 'team.handoff_note' AND detail->>'note' = $1"
    )
    rows = asyncio.run(query(intake.database_url, sql, note_id))
    return [(r["actor"], r["action"], r["subject_id"], _json(r["detail"])) for r in rows]


def _json(value: Any) -> dict[str, Any]:
    return orjson.loads(value) if isinstance(value, str | bytes) else dict(value)


def test_a_note_is_stored_listed_newest_first_and_audited_without_text(
    intake: Intake, tokens: dict[str, str]
) -> None:
    """201 with the note; the list has it first; the audit entry names who, not what."""
    with intake.client(tokens["ciaran"]) as ciaran:
        first = ciaran.post(NOTES, json={"text": "LEGAL-4411 waits on Comms"})
        second = ciaran.post(NOTES, json={"text": "  Pin 9876 re-uploaded twice \n"})
        assert (201, 201) == (first.status_code, second.status_code), first.text
        note = second.json()
        assert ("ts-dublin", "ciaran", "Pin 9876 re-uploaded twice") == (
            note["team"],
            note["by"],
            note["text"],
        )
        listed = ciaran.get(NOTES).json()
    ids = [n["id"] for n in listed["notes"]]
    assert ids.index(note["id"]) < ids.index(first.json()["id"])
    entries = _audit(intake, note["id"])
    assert [("ciaran", "team.handoff_note", "ts-dublin", {"note": note["id"], "by": "ciaran"})] == (
        entries
    )
    assert "Pin 9876" not in str(entries)


def test_markup_is_kept_as_plain_text(intake: Intake, tokens: dict[str, str]) -> None:
    """Markup is stored and answered verbatim inside JSON: it is text, never rendered here."""
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    with intake.client(tokens["ciaran"]) as ciaran:
        made = ciaran.post(NOTES, json={"text": hostile})
        assert 201 == made.status_code, made.text
        assert made.headers["content-type"] == "application/json"
        assert hostile == made.json()["text"]


def test_since_and_limit_bound_the_list(intake: Intake, tokens: dict[str, str]) -> None:
    """Notes before ``since`` are left out; ``limit`` caps the page; a bad instant is 422."""
    with intake.client(tokens["ciaran"]) as ciaran:
        for n in range(3):
            assert 201 == ciaran.post(NOTES, json={"text": f"note {n}"}).status_code
        later = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
        assert [] == ciaran.get(NOTES, params={"since": later}).json()["notes"]
        page = ciaran.get(NOTES, params={"limit": "2"}).json()["notes"]
        assert ["note 2", "note 1"] == [n["text"] for n in page]
        problem(ciaran.get(NOTES, params={"since": "yesterday"}), 422)
        problem(ciaran.get(NOTES, params={"since": "2026-12-01T00:00:00"}), 422)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("", "text: String should have at least 1 character"),
        ("   \n\t ", "text: Text should not be blank"),
        ("before\u0000after", "text: Text must not contain the NUL character"),
        ("x" * 5001, "text: String should have at most 5000 characters"),
        ("x" * 100_000, "text: String should have at most 5000 characters"),
    ],
)
def test_bad_text_is_refused_naming_it(
    intake: Intake, tokens: dict[str, str], text: str, named: str
) -> None:
    """422 whose detail names ``text`` and what is wrong."""
    with intake.client(tokens["ciaran"]) as ciaran:
        assert named in problem(ciaran.post(NOTES, json={"text": text}), 422)["detail"]


def test_who_may_leave_notes(intake: Intake, tokens: dict[str, str]) -> None:
    """Other teams' responders and viewers 403; a source key 403; an unknown team 404."""
    with intake.client(tokens["liam"]) as liam:
        refused = problem(liam.post(NOTES, json={"text": "hi"}), 403)
        assert "'liam' may not handoff_notes.write on team 'ts-dublin'" in refused["detail"]
        problem(liam.get(NOTES), 403)
    with intake.client(tokens["clodagh"]) as viewer:
        problem(viewer.post(NOTES, json={"text": "hi"}), 403)
        problem(viewer.get(NOTES), 403)
    key = intake.key("notes-tool", SourceKind.INTERNAL_TOOL, frozenset({Scope.READ, Scope.ACT}))
    with intake.client(key) as tool:
        refused = problem(tool.post(NOTES, json={"text": "hi"}), 403)
        assert "a handoff note is a person's" in refused["detail"]
    with intake.client(tokens["ciaran"]) as ciaran:
        unknown = problem(
            ciaran.post("/v1/teams/ts-dublinn/handoff-notes", json={"text": "x"}), 404
        )
    assert (
        "team: no team 'ts-dublinn' in the configuration (did you mean 'ts-dublin'?)"
        == (unknown["detail"])
    )

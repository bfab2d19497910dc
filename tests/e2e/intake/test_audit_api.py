"""The audit log over HTTP: each accepted action leaves exactly one entry; admins read it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from escalations.core.escalation import SourceKind
from escalations.links import make_ack_token
from escalations_intake import keys
from escalations_intake.auth.api_keys import Scope
from tests.e2e.intake.conftest import Intake
from tests.e2e.intake.helpers import problem
from tests.e2e.intake.rows import escalation_row, insert
from tests.e2e.intake.rows import override as override_row
from tests.e2e.intake.rows import time_off as time_off_row
from tests.support import person_token

pytestmark = pytest.mark.e2e


def _entries(intake: Intake, **params: str) -> list[dict[str, Any]]:
    with intake.client() as client:
        response = client.get("/v1/audit", params={"limit": "500", **params})
    assert 200 == response.status_code, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


@pytest.mark.parametrize(
    ("command", "person", "body", "detail"),
    [
        ("acknowledge", "ciaran", {}, {"by": "ciaran"}),
        (
            "resolve",
            "ciaran",
            {"resolution": "actioned", "note": "removed"},
            {"by": "ciaran", "resolution": "actioned"},
        ),
        # Reassigning needs a lead of the team: sean leads ts-dublin (the demo configuration).
        ("reassign", "sean", {"to": "niamh", "reason": "language"}, {"by": "sean", "to": "niamh"}),
    ],
)
def test_each_act_leaves_one_entry_even_when_retried(
    intake: Intake, command: str, person: str, body: dict[str, str], detail: dict[str, str]
) -> None:
    """An accepted command is audited once, with actor, address and agent; a replay is not."""
    row = escalation_row()
    insert(intake.database_url, row)
    headers = {"Idempotency-Key": str(uuid.uuid4()), "User-Agent": "audit-test/1"}
    with intake.client(person_token(intake.base_url, intake.admin_key, person)) as client:
        for _ in range(2):
            answer = client.post(f"/v1/escalations/{row.id}/{command}", json=body, headers=headers)
            assert 202 == answer.status_code, answer.text
    (entry,) = _entries(intake, subject_id=row.id)
    assert (person, f"escalation.{command}", "escalation") == (
        entry["actor"],
        entry["action"],
        entry["subject_kind"],
    )
    assert detail == entry["detail"]
    assert ("127.0.0.1", "audit-test/1") == (entry["client_address"], entry["user_agent"])


def test_a_source_key_is_audited_as_its_system(intake: Intake) -> None:
    """Without ``by``, the admin key acknowledges as system:admin, and is audited so."""
    row = escalation_row()
    insert(intake.database_url, row)
    with intake.client() as client:
        assert 202 == client.post(f"/v1/escalations/{row.id}/acknowledge", json={}).status_code
    (entry,) = _entries(intake, subject_id=row.id)
    assert ("system:admin", {"by": "system:admin"}) == (entry["actor"], entry["detail"])


def test_refused_requests_leave_no_entry(intake: Intake) -> None:
    """A 404 or 422 changed nothing and records nothing."""
    missing = str(uuid.uuid4())
    with intake.client() as client:
        problem(client.post(f"/v1/escalations/{missing}/acknowledge", json={}), 404)
    assert [] == _entries(intake, subject_id=missing)


def test_schedule_changes_are_audited_once_each(intake: Intake) -> None:
    """Adding and cancelling an override and time off: four entries, one per change."""
    start = datetime.now(UTC) + timedelta(days=3)
    window = {"start": start.isoformat(), "end": (start + timedelta(hours=4)).isoformat()}
    with intake.client() as client:
        override = client.post("/v1/teams/ts-dublin/overrides", json={"person": "liam", **window})
        away = client.post("/v1/people/orla/time-off", json={**window, "reason": "dentist"})
        assert (202, 202) == (override.status_code, away.status_code)
    override_id, away_id = override.json()["id"], away.json()["id"]
    # The intake cancels what the router stored: store the rows as the router would.
    stored_override = override_row("ts-dublin", "liam", start, start + timedelta(hours=4))
    stored_override.id = override_id
    stored_away = time_off_row("orla", start, start + timedelta(hours=4))
    stored_away.id = away_id
    insert(intake.database_url, stored_override, stored_away)
    with intake.client() as client:
        assert 202 == client.delete(f"/v1/teams/ts-dublin/overrides/{override_id}").status_code
        assert 202 == client.delete(f"/v1/people/orla/time-off/{away_id}").status_code
    added, cancelled = (
        [e["action"] for e in reversed(_entries(intake, subject_id=ident))]
        for ident in (override_id, away_id)
    )
    assert ["override.create", "override.cancel"] == added
    assert ["time_off.create", "time_off.cancel"] == cancelled
    (entry,) = _entries(intake, subject_id=away_id, action="time_off.create")
    assert "reason" not in entry["detail"], "time off reasons are personal"


def test_an_acknowledge_link_is_audited_as_its_person(intake: Intake) -> None:
    """The link's person is the actor: the link is their credential."""
    row = escalation_row()
    insert(intake.database_url, row)
    expires = datetime.now(UTC) + timedelta(hours=1)
    token = make_ack_token(intake.link_secret.encode(), row.id, "sean", expires)
    assert 202 == httpx.post(f"{intake.base_url}/v1/ack/{token}").status_code
    (entry,) = _entries(intake, subject_id=row.id)
    assert ("sean", "escalation.acknowledge") == (entry["actor"], entry["action"])


def test_key_commands_are_audited(intake: Intake, monkeypatch: pytest.MonkeyPatch) -> None:
    """``keys create`` and ``keys revoke`` each leave one entry, as the operator."""
    monkeypatch.setenv("DATABASE_URL", intake.database_url)
    source = f"audit-{uuid.uuid4().hex[:8]}"
    args = ["create", "--source", source, "--kind", "internal_tool", "--scope", "escalations:read"]
    assert 0 == keys.main(args)
    found = _entries(intake, action="key.create")
    (created,) = [entry for entry in found if entry["detail"]["source"] == source]
    assert created["actor"].startswith("operator:")
    assert 0 == keys.main(["revoke", created["subject_id"]])
    (revoked,) = _entries(intake, action="key.revoke", subject_id=created["subject_id"])
    assert created["seq"] < revoked["seq"]


def test_only_admins_read_the_log(intake: Intake) -> None:
    """A key without every scope gets 403; no key 401; a bad cursor 422."""
    reader = intake.key("audit-reader", SourceKind.INTERNAL_TOOL, frozenset({Scope.READ}))
    with intake.client(reader) as client:
        problem(client.get("/v1/audit"), 403)
    problem(httpx.get(f"{intake.base_url}/v1/audit"), 401)
    with intake.client() as client:
        problem(client.get("/v1/audit", params={"cursor": "x"}), 422)


def test_the_log_pages_newest_first(intake: Intake) -> None:
    """Following ``next_cursor`` walks the log by seq, newest first, without repeats."""
    seen: list[int] = []
    cursor: str | None = None
    with intake.client() as client:
        for _ in range(3):
            params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
            answer = client.get("/v1/audit", params=params).json()
            seen += [item["seq"] for item in answer["items"]]
            cursor = answer["next_cursor"]
            if cursor is None:
                break
    assert seen == sorted(seen, reverse=True)
    assert len(seen) == len(set(seen))

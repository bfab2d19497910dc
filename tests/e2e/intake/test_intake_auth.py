"""Authentication and scopes: every endpoint against every scope, and the key command line."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import httpx
import pytest

from escalations.core.escalation import SourceKind
from escalations_intake.auth.api_keys import Scope
from tests.e2e.intake.conftest import Intake
from tests.e2e.intake.helpers import ESCALATION, problem
from tests.e2e.intake.rows import escalation_row, insert

pytestmark = pytest.mark.e2e
WINDOW = {"start": "2031-05-01T00:00:00Z", "end": "2031-05-02T00:00:00Z"}


def _requests(esc_id: str) -> list[tuple[str, str, Scope, object]]:
    """Return (method, path, scope needed, body) for every authenticated endpoint."""
    return [
        ("POST", "/v1/escalations", Scope.WRITE, ESCALATION),
        ("GET", f"/v1/escalations/{esc_id}", Scope.READ, None),
        ("GET", "/v1/escalations", Scope.READ, None),
        # A source key acts as system:<source> (docs/contract/http-api.md): no `by`.
        ("POST", f"/v1/escalations/{esc_id}/acknowledge", Scope.ACT, {}),
        ("POST", f"/v1/escalations/{esc_id}/resolve", Scope.ACT, {"resolution": "actioned"}),
        ("POST", f"/v1/escalations/{esc_id}/reassign", Scope.ACT, {"to": "sean"}),
        ("GET", "/v1/oncall?team=ts-dublin", Scope.READ, None),
        ("POST", "/v1/simulate", Scope.READ, ESCALATION),
        ("POST", "/v1/teams/ts-dublin/overrides", Scope.SCHEDULES, {"person": "liam", **WINDOW}),
        ("POST", "/v1/people/liam/time-off", Scope.SCHEDULES, WINDOW),
        ("GET", "/v1/teams/ts-dublin/schedule.ics", Scope.READ, None),
        ("GET", "/v1/people/liam/oncall.ics", Scope.READ, None),
    ]


@pytest.mark.parametrize("granted", [*Scope])
def test_scope_matrix(intake: Intake, granted: Scope) -> None:
    """A key with one scope may call exactly the endpoints needing it; the rest are 403.

    Reassigning takes a person, so a source key holding the scope is refused for that.
    """
    key = intake.key(
        f"only-{granted.value.replace(':', '-')}", SourceKind.INTERNAL_TOOL, frozenset({granted})
    )
    row = escalation_row()
    insert(intake.database_url, row)
    with intake.client(key) as client:
        for method, path, needed, body in _requests(row.id):
            response = client.request(method, path, json=body)
            if needed == granted and path.endswith("/reassign"):
                assert "only a person may reassign" in problem(response, 403)["detail"]
            elif needed == granted:
                assert response.status_code < 400, (path, response.text)
            else:
                detail = problem(response, 403)["detail"]
                assert f"lacks scope '{needed.value}'" in detail, path


@pytest.mark.parametrize("header", [None, "Bearer", "Basic abc", "Bearer esk_not-a-key"])
def test_missing_or_unknown_key_is_401_everywhere(intake: Intake, header: str | None) -> None:
    """Without a valid key every authenticated endpoint answers 401 with a Bearer challenge."""
    headers = {} if header is None else {"Authorization": header}
    with httpx.Client(base_url=intake.base_url, headers=headers) as client:
        for method, path, _, body in _requests(str(uuid.uuid4())):
            response = client.request(method, path, json=body)
            problem(response, 401)
            assert "Bearer" == response.headers["www-authenticate"]


def _cli(intake: Intake, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": intake.database_url}
    return subprocess.run(
        [sys.executable, "-m", "escalations_intake.keys", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_key_cli_creates_lists_and_revokes(intake: Intake) -> None:
    """create prints a working key once; list shows only its prefix; revoke makes it 401."""
    source = f"cli-{uuid.uuid4().hex[:8]}"
    created = _cli(
        intake,
        "create",
        "--source",
        source,
        "--kind",
        "regulator",
        "--scope",
        "escalations:write",
        "--scope",
        "escalations:read",
    )
    assert 0 == created.returncode, created.stderr
    key = created.stdout.strip()
    assert key.startswith("esk_")
    assert "shown only once" in created.stderr
    listed = _cli(intake, "list")
    line = next(x for x in listed.stdout.splitlines() if source in x)
    assert key not in listed.stdout
    assert key[:12] in line
    fields = line.split("  ")  # id, prefix, source, kind, scopes, state
    assert ("regulator", "escalations:read,escalations:write", "active") == tuple(fields[3:])
    with intake.client(key) as client:
        accepted = client.post("/v1/escalations", json=ESCALATION)
        assert 202 == accepted.status_code
        assert 0 == _cli(intake, "revoke", key[:12]).returncode
        time.sleep(0.6)  # the intake under test caches keys for 0.5 s
        problem(client.post("/v1/escalations", json=ESCALATION), 401)
    assert 1 == _cli(intake, "revoke", key[:12]).returncode, "a revoked key is not revoked twice"


def test_key_cli_rejects_bad_input(intake: Intake) -> None:
    """Unknown kinds, scopes and malformed sources are refused with a message."""
    bad_kind = _cli(
        intake, "create", "--source", "x", "--kind", "pirate", "--scope", "escalations:read"
    )
    bad_source = _cli(
        intake, "create", "--source", "Bad Source", "--kind", "legal", "--scope", "escalations:read"
    )
    assert (2, 2) == (bad_kind.returncode, bad_source.returncode)
    assert "invalid choice: 'pirate'" in bad_kind.stderr
    assert "--source" in bad_source.stderr


def test_bootstrap_key_has_every_scope(intake: Intake) -> None:
    """The ESCALATIONS_BOOTSTRAP_KEY works as source admin with all scopes."""
    with intake.client() as client:
        created = client.post("/v1/escalations", json={**ESCALATION, "external_id": "BOOT-1"})
    (event,) = intake.events(created.json()["id"])
    assert ("admin", "internal_tool") == (event["data"]["source"], event["data"]["source_kind"])

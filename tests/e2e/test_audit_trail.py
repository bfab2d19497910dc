"""The audit trail end to end: every action of a run leaves exactly one entry, and tampering
is caught.

Intake, router and notifier run on a Kafka and a Postgres of this module's own (the test
ends by tampering with the log, which no other test may see). One escalation is reassigned,
escalated to level 2 by its timer, acknowledged and resolved by people with personal tokens;
a team gets an override and a person time off; a token is created and revoked; a key is
created; an Alertmanager alert fires and resolves. The log then holds exactly one entry per
action, with its actor, action, subject and client address, and nothing else; ``escalations
audit verify`` passes, then names the row changed behind its back (docs/contract/audit.md).
"""

from __future__ import annotations

import asyncio
import copy
import os
import secrets
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from devstack import services
from devstack.ports import free_ports
from devstack.stack import Stack, start_stack
from escalations.contracts.ids import escalation_id
from escalations.contracts.topics import TOPICS
from escalations.db.migrate import upgrade
from escalations_intake import keys
from escalations_intake.openapi.samples import ALERTMANAGER_SAMPLE
from tests.e2e.router.configs import config
from tests.support import query, wait_for

pytestmark = pytest.mark.e2e
LOCAL = "127.0.0.1"
# P0 has 4 s to acknowledge: level 2 ('lead') is paged by the timer soon after, and there is
# time to act before it. aoife is on the team's schedule and an admin.
CONFIG = config(sla="\npriority:\n  sla:\n    P0: {acknowledge: 4s, resolve: 300s}\n")
CONFIG += "\naccess:\n  admins: [aoife]\n"
THREAT = {
    "title": "Credible threat against a journalist",
    "policy_area": "harassment",
    "language": "en",
    "signals": {"imminence": "imminent_specific"},
}


@dataclass
class Trail:
    """The running product on its own stack."""

    base_url: str
    admin_key: str
    database_url: str

    def client(self, key: str | None = None) -> httpx.Client:
        """Return an HTTP client for the intake, authenticated with ``key`` (default admin)."""
        headers = {"Authorization": f"Bearer {key or self.admin_key}"}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=10)

    def log(self) -> list[dict[str, Any]]:
        """Return the whole audit log, oldest first."""
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        with self.client() as client:
            while True:
                params = {"limit": "500", **({"cursor": cursor} if cursor else {})}
                answer = client.get("/v1/audit", params=params)
                assert 200 == answer.status_code, answer.text
                items += answer.json()["items"]
                cursor = answer.json()["next_cursor"]
                if cursor is None:
                    return items[::-1]

    def escalation(self, esc_id: str) -> dict[str, Any] | None:
        """Return the stored escalation, or None before the router stored it."""
        with self.client() as client:
            answer = client.get(f"/v1/escalations/{esc_id}")
        return answer.json() if answer.status_code == 200 else None


@pytest.fixture(scope="module")
def trail(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trail]:
    """Start a Kafka and a Postgres, then intake, router and notifier on them."""
    stack: Stack = start_stack(topics=TOPICS, env={})
    procs: list[services.Process] = []
    try:
        assert stack.database_url is not None
        upgrade(stack.database_url)
        folder = tmp_path_factory.mktemp("audit-trail")
        (folder / "config.yaml").write_text(CONFIG)
        admin_key = "esk_" + secrets.token_urlsafe(32)
        intake, router, notifier = free_ports(3)
        ports = services.Ports(intake, router, notifier)
        env = services.service_env(
            {
                "PATH": "/usr/bin:/bin",
                **stack.env(),
                "ESCALATIONS_CONFIG": str(folder / "config.yaml"),
                "ESCALATIONS_BOOTSTRAP_KEY": admin_key,
                "ESCALATIONS_LINK_SECRET": secrets.token_urlsafe(24),
                "NOTIFIER_WEBHOOK_SECRET": secrets.token_urlsafe(24),
                "NOTIFIER_BACKOFF_BASE_SECONDS": "0.05",
                "NOTIFIER_BACKOFF_MAX_SECONDS": "0.2",
                "NOTIFIER_MAX_ATTEMPTS": "2",
                "ROUTER_TIMER_INTERVAL_SECONDS": "0.1",
            },
            ports,
        )
        procs = services.start(env, ports, folder / "logs")
        services.wait_ready(procs)
        yield Trail(f"http://{LOCAL}:{intake}", admin_key, stack.database_url)
    finally:
        services.stop(procs)
        stack.stop()


def _token(trail: Trail, person: str) -> tuple[str, str]:
    """Create a personal token of ``person`` with the admin key; return (id, token)."""
    expires = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    scopes = ["escalations:read", "escalations:act", "schedules:write"]
    body = {"description": "audit trail test", "scopes": scopes, "expires_at": expires}
    with trail.client() as client:
        answer = client.post(f"/v1/people/{person}/tokens", json=body)
    assert 201 == answer.status_code, answer.text
    return answer.json()["id"], answer.json()["token"]


def _act(trail: Trail, token: str, esc_id: str, command: str, body: dict[str, Any]) -> None:
    with trail.client(token) as client:
        answer = client.post(f"/v1/escalations/{esc_id}/{command}", json=body)
    assert 202 == answer.status_code, answer.text


def _history(trail: Trail, esc_id: str) -> list[str]:
    stored = trail.escalation(esc_id)
    return [] if stored is None else [entry["action"] for entry in stored["history"]]


def _alert_group(fingerprint: str, status: str) -> dict[str, Any]:
    group = copy.deepcopy(ALERTMANAGER_SAMPLE)
    alert = group["alerts"][0]
    group["status"] = alert["status"] = status
    alert["fingerprint"] = fingerprint
    alert["labels"] = {**alert["labels"], "policy_area": "spam", "severity": "warning"}
    if status == "resolved":
        alert["endsAt"] = datetime.now(UTC).isoformat()
    return group


def test_every_action_leaves_one_entry_and_verify_catches_tampering(
    trail: Trail, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """One entry per action, nothing else; ``audit verify`` passes, then names a changed row."""
    before = {entry["seq"] for entry in trail.log()}
    expected: list[tuple[str, str, str, str | None, str | None]] = []

    # An escalation created by a source: its traffic, not in the audit log.
    with trail.client() as client:
        created = client.post("/v1/escalations", json={**THREAT, "external_id": "TRAIL-1"})
    assert 202 == created.status_code, created.text
    esc_id = created.json()["id"]
    stored = wait_for(lambda: trail.escalation(esc_id), what="the escalation stored")
    assert ("P0", "tsd") == (stored["priority"]["tier"], stored["team"])

    # People act with personal tokens (an admin key creates them).
    aoife_token_id, aoife = _token(trail, "aoife")
    expected.append(("system:admin", "token.create", "token", aoife_token_id, LOCAL))
    to = "chen" if stored["owner"] != "chen" else "bruno"
    _act(trail, aoife, esc_id, "reassign", {"to": to, "reason": "language"})
    expected.append(("aoife", "escalation.reassign", "escalation", esc_id, LOCAL))
    wait_for(lambda: "reassigned" in _history(trail, esc_id), what="the reassignment applied")

    # Nobody acknowledges within 4 s of the reassignment: the timer pages level 2.
    escalated = wait_for(
        lambda: (s := trail.escalation(esc_id)) and s["level"] == 2 and s,
        timeout=30,
        what="level 2 paged by the timer",
    )
    assert "escalated" == escalated["status"]
    expected.append(("service:router", "escalation.escalate", "escalation", esc_id, None))
    _act(trail, aoife, esc_id, "acknowledge", {})
    expected.append(("aoife", "escalation.acknowledge", "escalation", esc_id, LOCAL))
    wait_for(lambda: "acknowledged" in _history(trail, esc_id), what="the acknowledgement")
    _act(trail, aoife, esc_id, "resolve", {"resolution": "actioned", "note": "handled"})
    expected.append(("aoife", "escalation.resolve", "escalation", esc_id, LOCAL))

    # Schedules: an override for the team, time off for a person.
    start = datetime.now(UTC) + timedelta(days=2)
    window = {"start": start.isoformat(), "end": (start + timedelta(hours=4)).isoformat()}
    with trail.client(aoife) as client:
        override = client.post("/v1/teams/tsd/overrides", json={"person": "bruno", **window})
        away = client.post("/v1/people/chen/time-off", json={**window, "reason": "dentist"})
    assert (202, 202) == (override.status_code, away.status_code), (override.text, away.text)
    expected.append(("aoife", "override.create", "override", override.json()["id"], LOCAL))
    expected.append(("aoife", "time_off.create", "time_off", away.json()["id"], LOCAL))

    # A token created and revoked.
    bruno_token_id, _ = _token(trail, "bruno")
    with trail.client() as client:
        assert 204 == client.delete(f"/v1/people/bruno/tokens/{bruno_token_id}").status_code
    expected.append(("system:admin", "token.create", "token", bruno_token_id, LOCAL))
    expected.append(("system:admin", "token.revoke", "token", bruno_token_id, LOCAL))

    # A key for Alertmanager, made at a shell; its alert fires, then resolves.
    monkeypatch.setenv("DATABASE_URL", trail.database_url)
    capsys.readouterr()
    args = ["create", "--source", "alertmanager", "--kind", "monitoring"]
    assert 0 == keys.main([*args, "--scope", "escalations:write", "--scope", "escalations:act"])
    am_key = capsys.readouterr().out.strip().splitlines()[-1]
    fingerprint = uuid.uuid4().hex[:16]
    alert_id = escalation_id("alertmanager", fingerprint)
    with trail.client(am_key) as client:
        url = "/v1/integrations/alertmanager"
        fired = client.post(url, json=_alert_group(fingerprint, "firing"))
        assert 202 == fired.status_code, fired.text
        wait_for(lambda: trail.escalation(alert_id), what="the alert's escalation")
        resolved = _alert_group(fingerprint, "resolved")
        for _ in range(2):  # Alertmanager delivering the group again: no second entry
            answer = client.post(url, json=resolved)
            assert 202 == answer.status_code, answer.text
    expected.append(("system:alertmanager", "escalation.resolve", "escalation", alert_id, LOCAL))
    wait_for(
        lambda: (s := trail.escalation(alert_id)) and s["status"] == "resolved",
        what="the alert's escalation resolved",
    )
    wait_for(
        lambda: (s := trail.escalation(esc_id)) and s["status"] == "resolved",
        what="the escalation resolved",
    )

    log = [entry for entry in trail.log() if entry["seq"] not in before]
    (key_entry,) = [entry for entry in log if entry["action"] == "key.create"]
    assert key_entry["actor"].startswith("operator:")
    found = sorted(
        (e["actor"], e["action"], e["subject_kind"], e["subject_id"], e["client_address"])
        for e in log
        if e is not key_entry
    )
    assert sorted(expected, key=str) == sorted(found, key=str)
    by_action = {(e["action"], e["subject_id"]): e for e in log}
    escalate = by_action[("escalation.escalate", esc_id)]
    assert {"from_level": 1, "to_level": 2, "round": 1, "paged": ["lead"]} == escalate["detail"]
    via = by_action[("escalation.resolve", alert_id)]["detail"]
    assert ("alertmanager", "system:alertmanager") == (via["via"], via["by"])
    assert {"by": "aoife", "to": to} == by_action[("escalation.reassign", esc_id)]["detail"]

    assert (0, "ok: ") == _verify(trail)[:2]
    reassign_seq = by_action[("escalation.reassign", esc_id)]["seq"]
    _tamper(trail, "UPDATE audit_log SET actor = 'mallory' WHERE seq = $1", reassign_seq)
    code, out, err = _verify(trail)
    assert 1 == code, out
    assert err.startswith(f"broken at entry {reassign_seq}: changed"), err


def _verify(trail: Trail) -> tuple[int, str, str]:
    """Run ``escalations audit verify`` as an operator would; return its code, out, err."""
    done = subprocess.run(
        [sys.executable, "-m", "escalations.cli.main", "audit", "verify"],
        env={**os.environ, "DATABASE_URL": trail.database_url},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.returncode, done.stdout[:4], done.stderr


def _tamper(trail: Trail, statement: str, *args: object) -> None:
    """Change a row as the table's owner can: with the append-only trigger disabled."""
    url = trail.database_url

    async def run() -> None:
        await query(url, "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete")
        await query(url, statement, *args)
        await query(url, "ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete")

    asyncio.run(run())

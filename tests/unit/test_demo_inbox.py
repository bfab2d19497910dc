"""The demo inbox files every signed delivery, responders' and stakeholders' alike."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient

from escalations.demo_inbox import create_app
from escalations.signing import HEADER, sign

SECRET = b"inbox-secret"
RESPONDER = {
    "event": "escalation.assigned",
    "escalation": {"id": "e-1", "tier": "P0", "title": "<b>Removal</b> order"},
}
REQUESTER = {"type": "escalation.received", "escalation_id": "e-1", "summary": "We received it"}


def _post(
    client: TestClient, name: str, payload: Mapping[str, object], secret: bytes = SECRET
) -> Any:
    body = orjson.dumps(payload)
    headers = {HEADER: sign(secret, body, int(time.time())), "X-Escalation-Event-Id": "ev-1"}
    return client.post(f"/inbox/{name}", content=body, headers=headers)


def test_responder_and_stakeholder_deliveries_are_filed_and_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A requester's callback has no ``escalation``: it is filed and printed all the same."""
    store = tmp_path / "inbox.jsonl"
    client = TestClient(create_app(SECRET, store))
    assert 202 == _post(client, "ana", RESPONDER).status_code
    assert 202 == _post(client, "legal-status", REQUESTER).status_code
    filed = [orjson.loads(line) for line in store.read_bytes().splitlines()]
    assert [("ana", RESPONDER), ("legal-status", REQUESTER)] == [
        (entry["person"], entry["payload"]) for entry in filed
    ]
    printed = capsys.readouterr().out
    assert "ana <- escalation.assigned [P0] <b>Removal</b> order" in printed
    assert "legal-status <- escalation.received We received it" in printed


def test_a_bad_signature_is_refused_and_not_filed(tmp_path: Path) -> None:
    """Only the notifier's signed deliveries count."""
    store = tmp_path / "inbox.jsonl"
    client = TestClient(create_app(SECRET, store))
    assert 401 == _post(client, "ana", RESPONDER, secret=b"wrong").status_code
    assert not store.exists()

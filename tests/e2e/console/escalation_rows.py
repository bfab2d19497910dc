"""Rows and page helpers of the escalation page's tests (docs/console.md, "Escalation page").

Rows are stored as the router would (tests/e2e/intake/rows.py); pages are read with the
console conftest's ``Page``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from escalations.db.models import DeliveryRow, HistoryRow
from tests.e2e.console.conftest import Console, Page
from tests.e2e.intake.rows import escalation_row

NOW = datetime.now(UTC)
RECORD: dict[str, Any] = {
    "route": {"team": "ts-dublin", "rule": "threats-rule", "index": 0},
    "owner": "ciaran",
    "candidates": [
        {
            "person_id": "ciaran",
            "chosen": True,
            "reason": "fewest open of the qualified",
            "graphic_in_window": 0,
            "open_count": 1,
            "last_assigned_at": None,
        },
        {
            "person_id": "niamh",
            "chosen": False,
            "reason": "opted out of graphic_violence",
            "graphic_in_window": 3,
            "open_count": 2,
            "last_assigned_at": NOW.isoformat(),
        },
    ],
    "level_one": [{"person": "sean", "target": "schedule", "team": "ts-dublin", "layer": "d"}],
    "flags": [],
    "summary": "routed by rule 'threats-rule'",
    "paged": ["ciaran"],
}
SECRET = "SECRET-DESCRIPTION-" + uuid.uuid4().hex[:6]
SENSITIVE_REQUEST = {
    "title": "Graphic clip at https://example.com/clip/9",
    "policy_area": "graphic_violence",
    "description": f"{SECRET} https://example.com/clip/9",
    "content_refs": [{"kind": "video", "id": "clip-9-id", "url": "https://example.com/clip/9"}],
}


def stored(**changes: Any) -> Any:
    """Return an escalation row with the assignment record and a resolve deadline."""
    return escalation_row(
        **{"assignment": RECORD, "resolve_by": NOW + timedelta(hours=4), **changes}
    )


def history(esc_id: str, actor: str, action: str, reason: str | None) -> HistoryRow:
    """Return a history row of the escalation, at ``NOW``."""
    return HistoryRow(
        escalation_id=esc_id,
        at=NOW,
        actor=actor,
        action=action,
        to_status="assigned",
        reason=reason,
    )


def delivery(esc_id: str, recipient: str, channel: str, status: str) -> DeliveryRow:
    """Return a ledger row of the notifier (its body is never shown)."""
    return DeliveryRow(
        event_id=str(uuid.uuid4()),
        recipient=recipient,
        channel=channel,
        escalation_id=esc_id,
        status=status,
        attempts=2,
        created_at=NOW,
        updated_at=NOW,
        sent_at=NOW if status == "sent" else None,
        body={"text": "BODY-NEVER-SHOWN"},
    )


def get(client: httpx.Client, esc_id: str, **params: str) -> tuple[httpx.Response, Page]:
    """Return the escalation page and its parse."""
    answer = client.get(f"/console/escalations/{esc_id}", params=params)
    return answer, Page(answer.text)


def page_text(page: Page) -> str:
    """Return the text of a page, white space collapsed."""
    return " ".join(" ".join(page.texts).split())


def csrf(page: Page) -> str:
    """Return the one CSRF token of the page's forms."""
    (found,) = {a["value"] for a in page.all("input", name="csrf_token")}
    assert found
    return str(found)


def audit(console: Console, actor: str, esc_id: str) -> list[tuple[str, Any]]:
    """Return the audit entries of ``actor`` on the escalation: (action, detail)."""
    with console.intake.client() as admin:
        answer = admin.get("/v1/audit", params={"actor": actor, "subject_id": esc_id})
    assert 200 == answer.status_code, answer.text
    return [(e["action"], e["detail"]) for e in answer.json()["items"]]


def types(console: Console, esc_id: str) -> list[tuple[str, str]]:
    """Return the commands published about the escalation: (type, by)."""
    return [(e["type"].split(".")[-1], e["data"]["by"]) for e in console.intake.events(esc_id)]

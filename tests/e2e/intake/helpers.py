"""Assertions shared by the intake tests."""

from __future__ import annotations

from typing import Any

import httpx

from escalations.core.escalation import SourceKind
from escalations.db.engine import make_engine, make_sessions
from escalations_intake.auth.api_keys import Scope, new_key, store_key

ESCALATION = {"title": "Hate speech pin", "policy_area": "hate_speech"}


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """Assert a problem+json answer with this status; return its body."""
    assert status == response.status_code, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert status == body["status"]
    assert body["detail"]
    return body


async def create_key(url: str, source: str, kind: SourceKind, scopes: frozenset[Scope]) -> str:
    """Store a new API key in the database at ``url``; return the key."""
    engine = make_engine(url, pool_size=1)
    key = new_key()
    try:
        await store_key(make_sessions(engine), key, source=source, source_kind=kind, scopes=scopes)
    finally:
        await engine.dispose()
    return key

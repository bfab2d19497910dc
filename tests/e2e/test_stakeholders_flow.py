"""Stakeholders through the whole product: intake, Kafka, router, Postgres, notifier, inbox.

A legal source registers its status callback through the API and sends two removal
orders; the owner acknowledges, posts updates for each audience, and resolves. The
callback hears exactly received, acknowledged, the requester's update and resolved, signed
(the inbox refuses a bad signature); a follower subscribed through the API hears the state
changes and the stakeholder update but not the team's note; for a sensitive escalation
nothing carries its description, content ids or URLs (docs/stakeholders.md).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from typing import Any

import orjson
import pytest

from escalations.core.escalation import SourceKind
from escalations.db.engine import make_engine, make_sessions
from escalations_intake.auth import Scope, new_key, store_key
from tests.e2e.conftest import Live, wait_for
from tests.support import person_token

pytestmark = pytest.mark.e2e
REQUESTER_TYPES = [
    "escalation.received",
    "escalation.acknowledged",
    "escalation.update_posted",
    "escalation.resolved",
]
LEAKS = ("SECRET-DESCRIPTION", "CONTENT-4242", "example.com/pin")


def _source_key(live: Live, source: str) -> str:
    """Create an API key for a new legal source; return it."""
    key = new_key()

    async def store() -> None:
        engine = make_engine(str(live.stack.database_url), pool_size=1)
        try:
            await store_key(
                make_sessions(engine), key, source=source, source_kind=SourceKind.LEGAL,
                scopes=frozenset({Scope.WRITE, Scope.READ}), description="stakeholders e2e",
            )  # fmt: skip
        finally:
            await engine.dispose()

    asyncio.run(store())
    return key


def _inbox_url(live: Live, name: str) -> str:
    """Return a demo-inbox URL whose deliveries are filed under ``name``."""
    return f"{live.inbox_url}/inbox/{name}"


def _received(live: Live, name: str) -> list[dict[str, Any]]:
    return [n["payload"] for n in live.notifications() if n["person"] == name]


def _order(live: Live, key: str, title: str, **extra: Any) -> str:
    body = {
        "external_id": f"LEGAL-{uuid.uuid4()}",
        "title": title,
        "policy_area": "hate_speech",
        "region": "DE",
        "regulatory": {"regime": "netzdg_manifestly_unlawful", "reference": "NDG-2026-77"},
        "reporter": {"name": "Legal Ops", "contact": "legal-ops@example.org"},
        **extra,
    }
    with live.client(key) as source:
        posted = source.post("/v1/escalations", json=body)
    assert 202 == posted.status_code, posted.text
    return str(posted.json()["id"])


def _owner(live: Live, esc_id: str) -> str:
    def owned() -> str | None:
        with live.client() as admin:
            state = admin.get(f"/v1/escalations/{esc_id}")
        return state.json().get("owner") if state.status_code == 200 else None

    owner = wait_for(owned, timeout=15, what="the escalation's owner")
    assert owner is not None
    return owner


def _work_it(live: Live, esc_id: str, owner: str, follower: str) -> None:
    """Subscribe a follower, then acknowledge, post three updates and resolve, as the owner."""
    with live.client(person_token(live.base_url, live.admin_key, owner)) as as_owner:
        subscribed = as_owner.post(
            f"/v1/escalations/{esc_id}/subscriptions", json={"webhook": follower}
        )
        assert 201 == subscribed.status_code, subscribed.text
        assert 202 == as_owner.post(f"/v1/escalations/{esc_id}/acknowledge", json={}).status_code
        for audience, text in (
            ("team", "Team only: checking the second account"),
            ("stakeholders", "Comms: removal expected within the hour"),
            ("requester", "We are reviewing your order; see https://example.com/pin/1"),
        ):
            posted = as_owner.post(
                f"/v1/escalations/{esc_id}/updates", json={"audience": audience, "text": text}
            )
            assert 202 == posted.status_code, posted.text
        resolved = as_owner.post(
            f"/v1/escalations/{esc_id}/resolve",
            json={"resolution": "actioned", "note": "Removed in DE; https://example.com/pin/2"},
        )
        assert 202 == resolved.status_code, resolved.text


def _settled(live: Live, name: str, count: int) -> list[dict[str, Any]]:
    """Wait for ``count`` deliveries to ``name``, then a little longer: nothing more comes."""
    wait_for(lambda: len(_received(live, name)) >= count, timeout=30,
             what=f"{count} deliveries to {name}")  # fmt: skip
    time.sleep(1.5)
    return _received(live, name)


@pytest.mark.parametrize("sensitive", [False, True], ids=["plain", "sensitive"])
def test_requester_and_follower_hear_exactly_their_messages(live: Live, sensitive: bool) -> None:
    """Callback: the four requester messages; follower: state changes and their update."""
    run = uuid.uuid4().hex[:8]
    source, callback, follower = f"legal-{run}", f"callback-{run}", f"follower-{run}"
    key = _source_key(live, source)
    with live.client() as admin:
        put = admin.put(
            f"/v1/sources/{source}/status-callback", json={"url": _inbox_url(live, callback)}
        )
    assert 200 == put.status_code, put.text
    extra: dict[str, Any] = {}
    if sensitive:
        extra = {
            "description": "SECRET-DESCRIPTION of the video",
            "signals": {"graphic": True},
            "content_refs": [
                {"kind": "pin", "id": "CONTENT-4242", "url": "https://example.com/pin/4242"}
            ],
        }
    esc_id = _order(live, key, f"NetzDG order {run} https://example.com/pin/9", **extra)
    owner = _owner(live, esc_id)
    _work_it(live, esc_id, owner, _inbox_url(live, follower))

    told = _settled(live, callback, 4)
    assert Counter(REQUESTER_TYPES) == Counter(m["type"] for m in told), told
    assert {esc_id} == {m["escalation_id"] for m in told}
    update = next(m for m in told if m["type"] == "escalation.update_posted")
    assert "We are reviewing your order" in orjson.dumps(update).decode()
    assert "Comms" not in orjson.dumps(told).decode()
    assert "Team only" not in orjson.dumps(told).decode()

    heard = _settled(live, follower, 4)
    text = orjson.dumps(heard).decode()
    assert "Comms: removal expected" in text
    assert "Team only" not in text
    events = Counter(m["event"] for m in heard)
    assert events["escalation.acknowledged"] == 1
    assert events["escalation.resolved"] == 1
    assert events["escalation.update_posted"] == 2  # for stakeholders and for the requester

    everything = orjson.dumps(told + heard).decode()
    if sensitive:
        for leak in LEAKS:
            assert leak not in everything
        assert "[url]" in everything

"""The integrations' acknowledge and resolve commands: published, then audited once.

Like the act endpoints (``http.audit``), each command the broker took gets one audit entry
(``escalation.acknowledge`` or ``escalation.resolve``) by ``system:<source>``, with the
request's client address and user agent and ``via`` naming the integration; a refused
alert or event publishes nothing and records nothing. A resolved Alertmanager alert is
run once per firing episode (``once``), so a retried delivery of its group publishes and
records nothing again (docs/contract/audit.md, "Actions recorded").
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from fastapi import Request
from sqlalchemy.exc import SQLAlchemyError

from escalations.contracts.events import AcknowledgeRequested, ResolveRequested
from escalations_intake.auth.api_keys import Principal
from escalations_intake.commands.publish import Publisher
from escalations_intake.db.idempotency import IdempotencyStore, Stored, event_id_for, fingerprint
from escalations_intake.http.audit import audit
from escalations_intake.http.problems import Problem

log = logging.getLogger(__name__)


async def publish_audited(
    request: Request,
    principal: Principal,
    publisher: Publisher,
    payload: AcknowledgeRequested | ResolveRequested,
    via: str,
    event_id: str | None = None,
) -> None:
    """Publish ``payload`` keyed by its escalation, then audit it once the broker has it.

    If the entry cannot be written the request fails (503), as for the act endpoints.
    """
    await publisher.publish(payload, payload.escalation_id, event_id)
    name = "acknowledge" if isinstance(payload, AcknowledgeRequested) else "resolve"
    detail = {"via": via, **payload.model_dump(include={"by", "resolution"}, mode="json")}
    await audit(
        request, principal, f"escalation.{name}", "escalation", payload.escalation_id, detail
    )


def resolve_key(alert_fingerprint: str, starts_at: datetime) -> str:
    """Return the idempotency key of an alert's resolve: one per firing episode.

    Alertmanager sends an alert again with the same fingerprint and ``startsAt`` (a retried
    group, a resend after a restart); a new firing, a re-fire included, starts at a new
    instant. The key holds a space, which no ``Idempotency-Key`` header may, so it never
    meets a client's key.
    """
    episode = f"{alert_fingerprint}\x1f{starts_at.isoformat()}".encode()
    return "alertmanager resolve " + hashlib.sha256(episode).hexdigest()


async def once(
    store: IdempotencyStore,
    principal: Principal,
    key: str,
    path: str,
    run: Callable[[str], Awaitable[str]],
) -> str:
    """Run ``run(event_id)`` once per ``key`` of the principal's source; return its escalation id.

    A key already run answers the escalation id it gave, running nothing. A failure forgets
    the key, so a retry runs again, publishing the same event id (applied once by the
    router). A key still running elsewhere past the store's wait is a 503 (Alertmanager
    retries a group after a ``5xx``, never after a ``4xx``).
    """
    digest = fingerprint("POST", path, key)
    try:
        stored = await store.claim(principal.source, key, digest)
    except Problem as exc:
        if exc.status != 409:
            raise
        raise Problem(503, "Service unavailable", exc.detail, {"Retry-After": "1"}) from exc
    if stored is not None:
        return str(stored.body["id"])
    try:
        esc_id = await run(event_id_for(principal.source, key, path))
    except BaseException:
        await store.release(principal.source, key)
        raise
    try:
        await store.complete(principal.source, key, Stored(202, {"id": esc_id}))
    except SQLAlchemyError as exc:
        # Published and audited: answer it. A retry finds the key unfinished and, after the
        # takeover delay, runs again with the same event id (docs/contract/audit.md).
        log.warning("could not record an integration command as done: %s", exc)
    return esc_id

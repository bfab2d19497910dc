"""Reveal a sensitive escalation's content to the person asking: audited, and it counts.

Reads hide the description, content ids and URLs of a sensitive escalation (``views``).
A person sees them through this endpoint, whose reveal counts toward their graphic
exposure, the load the wellbeing cap of assignment reads. The router is the single writer
of that load, so the reveal is a command for it (``escalation.reveal_requested``), and the
answer comes once the broker has it, as for the act commands (docs/contract/http-api.md,
"Sensitive content and reveal").
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from escalations.contracts.events import RevealRequested
from escalations_intake.auth.guard import Reader
from escalations_intake.auth.principal import Principal
from escalations_intake.db.escalations import escalation_with_history
from escalations_intake.db.idempotency import check_key
from escalations_intake.db.updates import updates_of
from escalations_intake.http.audit import audited
from escalations_intake.http.deps import IdempotencyDep, PublisherDep, SessionsDep
from escalations_intake.http.idempotent import IdempotencyKey, accept, json_response
from escalations_intake.http.problems import Problem
from escalations_intake.openapi.errors import errors
from escalations_intake.views import EscalationView, to_view

router = APIRouter(prefix="/v1/escalations", tags=["escalations"])
ONLY_PEOPLE = "a reveal is a person's: sign in or use a personal token"
_REPLAYED = "Idempotent-Replayed"


class RevealedView(EscalationView):
    """An escalation with all its content (``redacted`` is false), and what the reveal counted."""

    exposure_counted: bool = Field(
        description="Whether this reveal counted toward the caller's graphic exposure (the "
        "wellbeing cap of assignment): true for a sensitive escalation, false for any other, "
        "whose content was never hidden"
    )


class _Counted(BaseModel):
    """What an ``Idempotency-Key`` keeps of a reveal: never the content, which is read anew."""

    id: str
    exposure_counted: bool


@router.post(
    "/{escalation_id}/reveal",
    response_model=RevealedView,
    responses=errors(400, 401, 403, 404, 409, 422, 429, 503),
    summary="Reveal sensitive content",
)
async def reveal(
    escalation_id: str,
    principal: Reader,
    request: Request,
    sessions: SessionsDep,
    publisher: PublisherDep,
    store: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Return the escalation with its description, content ids and URLs, for a person.

    For a sensitive escalation the reveal is audited (`escalation.reveal`) and counts toward
    the caller's graphic exposure, which the wellbeing cap of assignment reads; the answer
    comes once the event broker has it. For any other escalation it is an ordinary read:
    nothing is counted, published or audited. A source's API key is `403`: only a person
    (personal token or session) can reveal. Needs scope `escalations:read`.
    `Idempotency-Key` makes a retried reveal count once.
    """
    person = actor_of(principal)
    check_key(idempotency_key)  # a malformed key is a 400 whatever the escalation
    found = await escalation_with_history(sessions, escalation_id)
    if found is None:
        raise Problem(404, "Not found", f"no escalation with id '{escalation_id}'")
    revealed = to_view(*found, revealed=True, updates=await updates_of(sessions, escalation_id))
    if not revealed.sensitive:
        return _answer(revealed, counted=False)

    async def publish(event_id: str | None) -> _Counted:
        payload = RevealRequested(
            escalation_id=escalation_id,
            by=person,
            source=principal.source,
            requested_at=datetime.now(UTC),
        )
        await publisher.publish(payload, escalation_id, event_id)
        return _Counted(id=escalation_id, exposure_counted=True)

    run = audited(
        request,
        principal,
        "escalation.reveal",
        "escalation",
        publish,
        lambda counted: (counted.id, {"by": person}),
    )
    counted = await accept(store, request, principal, idempotency_key, {}, run, status=200)
    replayed = counted.headers.get(_REPLAYED)
    return _answer(
        revealed,
        counted=_Counted.model_validate_json(bytes(counted.body)).exposure_counted,
        headers={_REPLAYED: replayed} if replayed else None,
    )


def _answer(
    view: EscalationView, *, counted: bool, headers: dict[str, str] | None = None
) -> Response:
    """Answer the view as ``RevealedView``: the content, and whether the reveal counted."""
    data = view.model_dump(mode="json")
    data["exposure_counted"] = counted
    return json_response(data, headers=headers)


def actor_of(principal: Principal) -> str:
    """Return who a reveal is by: the person of a token or session (403 for a source key)."""
    if principal.person is None:
        raise Problem(403, "Forbidden", ONLY_PEOPLE)
    return principal.person

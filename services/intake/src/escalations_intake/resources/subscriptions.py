"""Subscriptions to one escalation: people, e-mail addresses and URLs that follow it.

Subscribers hear of its state changes, tier rises and stakeholder updates (docs/contract/
http-api.md, "Subscriptions"). Whoever may read an escalation subscribes themselves and
removes their own subscription (``escalations.subscribe``); subscribing someone else, an
address or a URL, and removing another's subscription, needs ``escalations.act`` as
acknowledging does (``auth.access_rules.on_subscription``), and the `escalations:act` scope.
The intake writes the rows itself: they are delivery preferences, not escalation state.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Request, Response

from escalations.contracts.events import Status
from escalations.core.access import roles_of
from escalations.core.config import Config
from escalations.core.config_types import suggest
from escalations.db.models import EscalationRow
from escalations.db.models_stakeholders import SubscriptionRow
from escalations_intake.auth.access import escalation_facts, loaded_escalation
from escalations_intake.auth.access_rules import on_subscription, sees
from escalations_intake.auth.guard import Reader, authorize_scope
from escalations_intake.auth.principal import Principal, Scope
from escalations_intake.db import Sessions
from escalations_intake.db import subscriptions as store
from escalations_intake.http.audit import audit
from escalations_intake.http.deps import ConfigDep, SessionsDep
from escalations_intake.http.problems import Problem
from escalations_intake.openapi.errors import READ_ERRORS, WRITE_ERRORS, errors
from escalations_intake.openapi.examples import SUBSCRIPTION_EXAMPLES
from escalations_intake.resources.subscription_bodies import (
    Subscription,
    SubscriptionBody,
    Subscriptions,
)
from escalations_intake.resources.subscription_views import matching_rules, shown_target

router = APIRouter(prefix="/v1/escalations/{escalation_id}/subscriptions", tags=["stakeholders"])
SubscriptionId = Annotated[
    uuid.UUID, Path(description="The id answered when the subscription was made")
]
MORE_THAN_ONESELF = "subscribing someone else or removing another's subscription"


async def _escalation(request: Request, sessions: Sessions, escalation_id: str) -> EscalationRow:
    """Return the stored escalation (the one the access seam loaded, if it did), else 404."""
    row = loaded_escalation(request, escalation_id)
    if row is None:
        async with sessions() as session:
            row = await session.get(EscalationRow, escalation_id)
    if row is None:
        raise Problem(404, "Not found", f"no escalation with id '{escalation_id}'")
    return row


def _may(principal: Principal, config: Config, row: EscalationRow, *, own: bool) -> None:
    """Raise 403 unless the caller may do this: their own, or act on the escalation."""
    if own:
        return
    if principal.person is not None:
        facts = escalation_facts(row)
        assert facts is not None
        refusal = on_subscription(config, roles_of(config, principal.person), facts, own=False)
        if refusal is not None:
            raise Problem(refusal.status, "Forbidden", refusal.detail)
    authorize_scope(principal, Scope.ACT, MORE_THAN_ONESELF)


def _subscribable_person(config: Config, person: str, row: EscalationRow) -> None:
    """Raise 422 for an unknown person, or one who may not see this escalation."""
    if person not in config.people_by_id:
        hint = suggest(person, config.people_by_id)
        raise Problem(
            422, "Invalid request", f"person: no person '{person}' in the configuration{hint}"
        )
    facts = escalation_facts(row)
    assert facts is not None
    if not sees(config, roles_of(config, person), facts):
        raise Problem(
            422,
            "Invalid request",
            f"person: '{person}' may not see this escalation: policy area "
            f"'{row.policy_area}' is need-to-know (the owning team, its owner, the people "
            "it paged and admins)",
        )


def _view(row: SubscriptionRow) -> Subscription:
    return Subscription(
        id=row.id,
        escalation_id=row.escalation_id,
        kind=row.kind,
        target=shown_target(row.kind, row.target),
        created_by=row.created_by,
        created_at=row.created_at,
    )


def _audit_detail(row: SubscriptionRow) -> dict[str, Any]:
    """What the audit log keeps: never a URL's path, which is a credential."""
    return {"subscription": row.id, "kind": row.kind, "target": shown_target(row.kind, row.target)}


_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"model": Subscription, "description": "Already subscribed: the existing subscription"},
    201: {"model": Subscription, "description": "Subscribed"},
}


@router.post(
    "",
    status_code=201,
    response_class=Response,
    responses={**_ANSWERS, **errors(*WRITE_ERRORS, 404)},
    summary="Subscribe to an escalation",
)
async def subscribe(
    escalation_id: str,
    body: Annotated[SubscriptionBody, Body(openapi_examples=SUBSCRIPTION_EXAMPLES)],
    principal: Reader,
    request: Request,
    config: ConfigDep,
    sessions: SessionsDep,
) -> Response:
    """Follow the escalation: its state changes, tier rises and stakeholder updates.

    Exactly one of `person`, `email`, `webhook`, `slack` or `teams`. Anyone who may read the
    escalation may subscribe themselves (`{"person": "<own id>"}`, viewers included);
    anything else needs the right to act on it (its team, owner, paged people, leads,
    admins) and the `escalations:act` scope; a key acts as `system:<source>`. A person who
    may not see a need-to-know escalation cannot be subscribed to it (`422`); a resolved
    escalation takes no new subscriptions (`409`). The same kind and target again answers
    `200` with the existing subscription. A URL is shown as its origin only. Audited as
    `escalation.subscribe`.
    """
    row = await _escalation(request, sessions, escalation_id)
    kind, target = body.chosen()
    own = kind == "person" and target == principal.person
    _may(principal, config, row, own=own)
    if kind == "person":
        _subscribable_person(config, target, row)
    if row.status == Status.RESOLVED:
        raise Problem(
            409, "Conflict", f"escalation '{escalation_id}' is resolved: nothing left to follow"
        )
    added = await store.add(sessions, escalation_id, kind, target, principal.actor)
    if added.created:
        detail = _audit_detail(added.row)
        await audit(request, principal, "escalation.subscribe", "escalation", escalation_id, detail)
    answer = _view(added.row).model_dump_json()
    status = 201 if added.created else 200
    return Response(answer, status_code=status, media_type="application/json")


@router.get(
    "",
    response_model=Subscriptions,
    responses=errors(*READ_ERRORS, 404),
    summary="List an escalation's subscriptions",
)
async def list_subscriptions(
    escalation_id: str,
    _: Reader,
    request: Request,
    config: ConfigDep,
    sessions: SessionsDep,
) -> Subscriptions:
    """Active subscriptions (URLs as their origin only) and the configuration rules that match.

    `rules` names the `stakeholders.subscriptions` rules of the configuration whose match
    holds for this escalation: their recipients hear of it too. Needs `escalations:read`.
    """
    row = await _escalation(request, sessions, escalation_id)
    rows = await store.active(sessions, escalation_id)
    return Subscriptions(
        escalation_id=escalation_id,
        subscriptions=[_view(r) for r in rows],
        rules=matching_rules(config, row),
    )


@router.delete(
    "/{subscription_id}",
    status_code=204,
    response_class=Response,
    responses=errors(401, 403, 404, 422, 429, 503),
    summary="Remove a subscription",
)
async def unsubscribe(
    escalation_id: str,
    subscription_id: SubscriptionId,
    principal: Reader,
    request: Request,
    config: ConfigDep,
    sessions: SessionsDep,
) -> Response:
    """Stop the subscription: its subscriber hears nothing more of this escalation.

    One's own (it subscribes you, or you made it) needs only to read the escalation;
    another's needs the right to act on it and `escalations:act`. An unknown or already
    removed subscription is `404`. Audited as `escalation.unsubscribe`.
    """
    row = await _escalation(request, sessions, escalation_id)
    sid = str(subscription_id)
    found = await store.find_active(sessions, escalation_id, sid)
    if found is None:
        raise Problem(
            404,
            "Not found",
            f"subscription_id: no active subscription '{sid}' on escalation '{escalation_id}'",
        )
    mine = found.kind == "person" and found.target == principal.person
    _may(principal, config, row, own=mine or found.created_by == principal.actor)
    if not await store.remove(sessions, escalation_id, sid, principal.actor):
        raise Problem(
            404, "Not found", f"subscription_id: subscription '{sid}' was removed already"
        )
    detail = _audit_detail(found)
    await audit(request, principal, "escalation.unsubscribe", "escalation", escalation_id, detail)
    return Response(status_code=204)

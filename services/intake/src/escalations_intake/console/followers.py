"""Console forms of the escalation page's Followers section: follow, add an e-mail, remove.

Each posts the API's own route (``resources.subscriptions``: ``subscribe`` and
``unsubscribe``), so the checks (``auth.access_rules.on_subscription``, the
`escalations:act` scope for more than oneself), the validation of the address and the
audit entries (``escalation.subscribe``, ``escalation.unsubscribe``) are those of
``POST`` and ``DELETE /v1/escalations/{id}/subscriptions``. Following oneself needs only to
see the escalation, so viewers may; an escalation the person may not see is the console's
404. Success is a 303 back to the page with ``done=``; a refusal or a bad address re-renders
the page with the error and what was typed (docs/console.md, "Escalation page").
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import ValidationError
from starlette.responses import Response

from escalations.core.access import Action
from escalations_intake.auth.access_rules import Refusal
from escalations_intake.console.escalation import refused
from escalations_intake.console.escalation_data import load_row, refusal_on
from escalations_intake.console.forms import FormError, field, form_fields
from escalations_intake.console.page_forms import answer
from escalations_intake.console.people import ConsolePerson, Person
from escalations_intake.db import Sessions
from escalations_intake.db import subscriptions as store
from escalations_intake.http.deps import SessionsDep
from escalations_intake.http.problems import Problem
from escalations_intake.resources.subscription_bodies import SubscriptionBody
from escalations_intake.resources.subscriptions import subscribe, unsubscribe

router = APIRouter(prefix="/console/escalations", include_in_schema=False)
EMAIL_FIELD = "follower_email"  # not ``email``: a field name no other form of the page uses
SubscriptionPath = Annotated[str, Path(max_length=36)]

Run = Callable[[Mapping[str, str]], Awaitable[str]]
"""Run the form's command; return the ``done=`` word, or raise ``FormError`` or ``Problem``."""


async def _post(
    request: Request, person: ConsolePerson, sessions: Sessions, escalation_id: str, run: Run
) -> Response:
    """Check the person sees the escalation, run the form; PRG back to the page."""
    row = await load_row(sessions, escalation_id)
    refusal = refusal_on(person, row, escalation_id, Action.ESCALATIONS_SUBSCRIBE)
    if refusal is not None:
        return refused(request, refusal)
    fields: Mapping[str, str] = {}
    done = ""
    try:
        fields = await form_fields(request)
        done = await run(fields)
    except FormError as exc:
        refusal = Refusal(400 if exc.name == "form" else 422, str(exc))
    except Problem as exc:
        refusal = Refusal(exc.status, exc.detail)
    return await answer(request, person, sessions, escalation_id, refusal, fields, done)


async def _subscribe(
    request: Request,
    person: ConsolePerson,
    sessions: Sessions,
    escalation_id: str,
    body: Mapping[str, str],
) -> None:
    """Subscribe as the API route does (its body, checks, store and audit).

    A body the API would refuse is a ``FormError`` naming its one field.
    """
    try:
        chosen = SubscriptionBody.model_validate(body)
    except ValidationError as exc:
        raise FormError(next(iter(body)), str(exc.errors()[0]["msg"])) from exc
    await subscribe(escalation_id, chosen, person.principal, request, person.config, sessions)


@router.post("/{escalation_id}/follow")
async def follow(
    request: Request, escalation_id: str, person: Person, sessions: SessionsDep
) -> Response:
    """Follow the escalation yourself."""

    async def run(_: Mapping[str, str]) -> str:
        await _subscribe(request, person, sessions, escalation_id, {"person": person.person})
        return "followed"

    return await _post(request, person, sessions, escalation_id, run)


@router.post("/{escalation_id}/followers")
async def add_follower(
    request: Request, escalation_id: str, person: Person, sessions: SessionsDep
) -> Response:
    """Add an e-mail address as a follower (needs the right to act on the escalation)."""

    async def run(fields: Mapping[str, str]) -> str:
        email = field(fields, EMAIL_FIELD, 320).strip()
        await _subscribe(request, person, sessions, escalation_id, {"email": email})
        return "follower_added"

    return await _post(request, person, sessions, escalation_id, run)


@router.post("/{escalation_id}/followers/{subscription_id}/remove")
async def remove_follower(
    request: Request,
    escalation_id: str,
    subscription_id: SubscriptionPath,
    person: Person,
    sessions: SessionsDep,
) -> Response:
    """Stop a subscription: one's own ("Stop following"), or another's with the right to act."""

    async def run(_: Mapping[str, str]) -> str:
        gone = Problem(
            404,
            "Not found",
            f"subscription_id: no active subscription '{subscription_id}' "
            f"on escalation '{escalation_id}'",
        )
        try:
            sid = uuid.UUID(subscription_id)
        except ValueError as exc:
            raise gone from exc
        found = await store.find_active(sessions, escalation_id, str(sid))
        if found is None:
            raise gone
        config = person.config
        await unsubscribe(escalation_id, sid, person.principal, request, config, sessions)
        mine = found.kind == "person" and found.target == person.person
        return "unfollowed" if mine else "follower_removed"

    return await _post(request, person, sessions, escalation_id, run)

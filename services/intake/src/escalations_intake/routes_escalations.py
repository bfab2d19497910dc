"""Escalation endpoints: create, read and list (the act commands are in ``routes_act``)."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime
from typing import Annotated

import orjson
from fastapi import APIRouter, Body, Query, Request, Response
from sqlalchemy import and_, or_
from sqlmodel import col, select

from escalations.contracts.events import Status
from escalations.core.escalation import EscalationIn, Tier
from escalations.db.models import EscalationRow, HistoryRow
from escalations_intake.auth import Principal, Reader, Writer
from escalations_intake.bodies import as_core
from escalations_intake.bootstrap import Deps
from escalations_intake.examples import ESCALATION_EXAMPLES
from escalations_intake.handling import IdempotencyKey, accept, deps_of
from escalations_intake.ids import escalation_id
from escalations_intake.openapi_docs import READ_ERRORS, WRITE_ERRORS, errors
from escalations_intake.problems import Problem
from escalations_intake.publisher import send_or_503
from escalations_intake.received import received_record
from escalations_intake.views import Accepted, EscalationPage, EscalationView, to_view

router = APIRouter(prefix="/v1/escalations", tags=["escalations"])
Limited = Annotated[str, Query(min_length=1, max_length=100)]


async def is_known(deps: Deps, esc_id: str) -> bool:
    """Return whether an escalation id was accepted before (recently here, or stored)."""
    if esc_id in deps.recent:
        return True
    return await deps.stored_ids.stored(esc_id)


def _ask_known(deps: Deps, esc_id: str) -> asyncio.Future[bool]:
    """Start the duplicate lookup of ``esc_id`` without a task of its own."""
    if esc_id in deps.recent:
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        done.set_result(True)
        return done
    return deps.stored_ids.ask(esc_id)


async def submit(
    deps: Deps, principal: Principal, body: EscalationIn, event_id: str | None = None
) -> Accepted:
    """Publish ``escalation.received``; answer once the broker has it."""
    now = datetime.now(UTC)
    esc_id = escalation_id(principal.source, body.external_id)
    # The duplicate lookup runs while the broker acknowledges, so it adds no latency.
    known = _ask_known(deps, esc_id) if body.external_id else None
    record = received_record(esc_id, principal, body, now, event_id)
    try:
        await send_or_503(deps.producer, record, deps.settings.publish_timeout_seconds)
    except BaseException:
        if known is not None:
            known.cancel()
        raise
    duplicate = await known if known is not None else False
    deps.recent.add(esc_id)
    return Accepted(id=esc_id, duplicate=duplicate)


@router.post(
    "",
    status_code=202,
    response_model=Accepted,
    responses=errors(*WRITE_ERRORS),
    summary="Create an escalation",
)
async def create(
    body: Annotated[EscalationIn, Body(openapi_examples=ESCALATION_EXAMPLES)],
    principal: Writer,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Accept an escalation; `202` once the event broker has it (`acks=all`).

    The id is derived from `(source, external_id)`: a repeat returns the same id with
    `duplicate: true` and counts as an extra report. Needs scope `escalations:write`.
    """
    deps = deps_of(request)
    return await accept(
        request,
        principal,
        idempotency_key,
        body,
        lambda e: submit(deps, principal, as_core(body), e),
    )


@router.get(
    "/{escalation_id}",
    response_model=EscalationView,
    responses=errors(*READ_ERRORS, 404),
    summary="Read an escalation",
)
async def read(escalation_id: str, _: Reader, request: Request) -> EscalationView:
    """Return the current state of one escalation with its history and decision record.

    `404` until the router has stored it (normally well under a second after the `202`).
    Needs scope `escalations:read`.
    """
    async with deps_of(request).sessions() as session:
        row = await session.get(EscalationRow, escalation_id)
        if row is None:
            raise Problem(404, "Not found", f"no escalation with id '{escalation_id}'")
        history = (
            await session.exec(
                select(HistoryRow)
                .where(HistoryRow.escalation_id == escalation_id)
                .order_by(col(HistoryRow.id))
            )
        ).all()
    return to_view(row, list(history))


def _encode_cursor(row: EscalationRow) -> str:
    raw = orjson.dumps([row.created_at.isoformat(), row.id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        created, esc_id = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        at = datetime.fromisoformat(created)
        if at.utcoffset() is None:
            raise ValueError("naive")
        return at, str(esc_id)
    except (ValueError, TypeError) as exc:
        raise Problem(400, "Invalid cursor", "cursor: not a cursor returned by this API") from exc


@router.get(
    "",
    response_model=EscalationPage,
    responses=errors(400, *READ_ERRORS),
    summary="List escalations",
)
async def list_escalations(
    _: Reader,
    request: Request,
    status: Annotated[Status | None, Query(description="Only this status")] = None,
    team: Annotated[Limited | None, Query(description="Only this team id")] = None,
    priority: Annotated[Tier | None, Query(description="Only this tier")] = None,
    owner: Annotated[Limited | None, Query(description="Only this owner (person id)")] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="Page size")] = 50,
    cursor: Annotated[
        str | None, Query(max_length=500, description="`next_cursor` of the previous page")
    ] = None,
) -> EscalationPage:
    """List escalations newest first, filtered, with cursor pagination.

    Follow `next_cursor` until it is `null`. Needs scope `escalations:read`.
    """
    stmt = select(EscalationRow)
    filters = {"status": status, "team": team, "tier": priority, "owner": owner}
    for column, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(EscalationRow, column) == value)
    if cursor is not None:
        created, last_id = _decode_cursor(cursor)
        stmt = stmt.where(
            or_(
                col(EscalationRow.created_at) < created,
                and_(col(EscalationRow.created_at) == created, col(EscalationRow.id) < last_id),
            )
        )
    stmt = stmt.order_by(col(EscalationRow.created_at).desc(), col(EscalationRow.id).desc())
    async with deps_of(request).sessions() as session:
        rows = list((await session.exec(stmt.limit(limit + 1))).all())
    page = rows[:limit]
    items = [to_view(r, []) for r in page]
    return EscalationPage(
        items=items, next_cursor=_encode_cursor(page[-1]) if len(rows) > limit else None
    )

"""Escalation endpoints: create, read, list, and the act commands for the router."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import and_, or_
from sqlmodel import col, select

from escalations.contracts.codec import build_event
from escalations.contracts.events import (
    AcknowledgeRequested,
    EscalationReceived,
    ReassignRequested,
    Resolution,
    ResolveRequested,
    Status,
)
from escalations.core.escalation import EscalationIn, Tier
from escalations.db.models import EscalationRow, HistoryRow
from escalations_intake.auth import Actor, Reader, Writer
from escalations_intake.bootstrap import Deps
from escalations_intake.ids import escalation_id
from escalations_intake.problems import Problem
from escalations_intake.publisher import publish_or_503
from escalations_intake.views import Accepted, EscalationPage, EscalationView, to_view

router = APIRouter(prefix="/v1/escalations", tags=["escalations"])
PersonId = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9_.-]*$")]
_STRICT = ConfigDict(frozen=True, extra="forbid")


def _deps(request: Request) -> Deps:
    deps: Deps = request.app.state.deps
    return deps


@router.post("", status_code=202, response_model=Accepted)
async def create(body: EscalationIn, principal: Writer, request: Request) -> Accepted:
    """Accept an escalation; 202 once the event broker has it."""
    deps = _deps(request)
    now = datetime.now(UTC)
    esc_id = escalation_id(principal.source, body.external_id)
    duplicate = False
    if body.external_id is not None:
        async with deps.sessions() as session:
            duplicate = await session.get(EscalationRow, esc_id) is not None
    payload = EscalationReceived(
        escalation_id=esc_id,
        source=principal.source,
        source_kind=principal.source_kind,
        received_at=now,
        request=body,
    )
    await publish_or_503(
        deps.producer, build_event(payload, subject=esc_id, source="/intake", time=now)
    )
    return Accepted(id=esc_id, duplicate=duplicate)


@router.get("/{escalation_id}", response_model=EscalationView)
async def read(escalation_id: str, _: Reader, request: Request) -> EscalationView:
    """Return the current state of one escalation with its history and decision record."""
    async with _deps(request).sessions() as session:
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
        return datetime.fromisoformat(created), str(esc_id)
    except (ValueError, TypeError) as exc:
        raise Problem(400, "Invalid cursor", "cursor: not a cursor returned by this API") from exc


@router.get("", response_model=EscalationPage)
async def list_escalations(
    _: Reader,
    request: Request,
    status: Status | None = None,
    team: str | None = None,
    priority: Tier | None = None,
    owner: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> EscalationPage:
    """List escalations newest first, filtered, with cursor pagination."""
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
    async with _deps(request).sessions() as session:
        rows = list((await session.exec(stmt.limit(limit + 1))).all())
    page = rows[:limit]
    items = [to_view(r, []) for r in page]
    return EscalationPage(
        items=items, next_cursor=_encode_cursor(page[-1]) if len(rows) > limit else None
    )


class AcknowledgeBody(BaseModel):
    """Who acknowledges."""

    model_config = _STRICT
    by: PersonId


class ResolveBody(BaseModel):
    """Who resolves, and how."""

    model_config = _STRICT
    by: PersonId
    resolution: Resolution
    note: Annotated[str, Field(max_length=5000)] | None = None


class ReassignBody(BaseModel):
    """Who hands the escalation to whom, and why."""

    model_config = _STRICT
    by: PersonId
    to: PersonId
    reason: Annotated[str, Field(max_length=2000)] | None = None


class CommandAccepted(BaseModel):
    """A command is on its way to the router, which records the outcome in the history."""

    id: str
    command: str
    accepted: bool = True


async def _command(request: Request, esc_id: str, payload: BaseModel, name: str) -> CommandAccepted:
    deps = _deps(request)
    async with deps.sessions() as session:
        if await session.get(EscalationRow, esc_id) is None:
            raise Problem(404, "Not found", f"no escalation with id '{esc_id}'")
    event = build_event(payload, subject=esc_id, source="/intake", time=datetime.now(UTC))
    await publish_or_503(deps.producer, event)
    return CommandAccepted(id=esc_id, command=name)


@router.post("/{escalation_id}/acknowledge", status_code=202, response_model=CommandAccepted)
async def acknowledge(
    escalation_id: str, body: AcknowledgeBody, principal: Actor, request: Request
) -> CommandAccepted:
    """Ask the router to acknowledge; it stops the escalation timer."""
    payload = AcknowledgeRequested(
        escalation_id=escalation_id,
        by=body.by,
        source=principal.source,
        requested_at=datetime.now(UTC),
    )
    return await _command(request, escalation_id, payload, "acknowledge")


@router.post("/{escalation_id}/resolve", status_code=202, response_model=CommandAccepted)
async def resolve(
    escalation_id: str, body: ResolveBody, principal: Actor, request: Request
) -> CommandAccepted:
    """Ask the router to resolve the escalation."""
    payload = ResolveRequested(
        escalation_id=escalation_id,
        by=body.by,
        resolution=body.resolution,
        note=body.note,
        source=principal.source,
        requested_at=datetime.now(UTC),
    )
    return await _command(request, escalation_id, payload, "resolve")


@router.post("/{escalation_id}/reassign", status_code=202, response_model=CommandAccepted)
async def reassign(
    escalation_id: str, body: ReassignBody, principal: Actor, request: Request
) -> CommandAccepted:
    """Ask the router to hand the escalation to another person."""
    payload = ReassignRequested(
        escalation_id=escalation_id,
        by=body.by,
        to=body.to,
        reason=body.reason,
        source=principal.source,
        requested_at=datetime.now(UTC),
    )
    return await _command(request, escalation_id, payload, "reassign")

"""Escalation endpoints: create, read and list (the act commands are in ``routes_act``)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, Response
from sqlalchemy import and_, or_
from sqlmodel import col, select

from escalations.contracts.envelope import new_event_id
from escalations.contracts.events import Status
from escalations.contracts.ids import keyless_id, report_fingerprint
from escalations.core import refire
from escalations.core.escalation import EscalationIn, Tier
from escalations.core.refire import Placement
from escalations.db.models import EscalationRow, HistoryRow
from escalations_intake import cursors
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


async def place(deps: Deps, source: str, external_id: str | None) -> Placement:
    """Return where a report of a key goes, from its newest stored escalation (one lookup).

    Open: the report merges into it. Resolved: it opens the next escalation, which follows
    that one (docs/architecture.md, "Re-fires"). The router decides again as it stores it.
    """
    if external_id is None:
        return Placement(escalation_id(source, None), 0, merge=False)
    latest = await deps.incarnations.latest((source, external_id))
    return refire.address(latest, partial(escalation_id, source, external_id))


async def command_target(deps: Deps, source: str, external_id: str) -> str:
    """Return the escalation an integration's acknowledge or resolve of a key acts on."""
    latest = await deps.incarnations.latest((source, external_id))
    return refire.command_target(latest, partial(escalation_id, source, external_id))


def keyless(source: str, request_json: str, now: datetime, window_s: int) -> Placement:
    """Return where a report without an external id goes: one id per body and retry window.

    A client retrying after a 503 (the first attempt may be stored) reaches the same
    escalation, where the router does not count it again; the same body in a later window
    opens a new one (docs/architecture.md, "Retried reports").
    """
    window = int(now.timestamp() // window_s)
    return Placement(keyless_id(source, report_fingerprint(source, request_json), window), 0, False)


def is_repeat(deps: Deps, placed: Placement) -> bool:
    """Return whether a report repeats one already accepted (stored, or here lately)."""
    return placed.merge or placed.id in deps.recent


async def submit(
    deps: Deps,
    principal: Principal,
    body: EscalationIn,
    event_id: str | None = None,
    placed: Placement | None = None,
) -> Accepted:
    """Publish ``escalation.received``; answer once the broker has it.

    ``placed``: where the report goes, if the caller has looked it up already (it is then
    published there); else it is looked up while the broker takes the report.
    """
    now = datetime.now(UTC)
    event_id = event_id or new_event_id()
    timeout = deps.settings.publish_timeout_seconds
    if placed is None and body.external_id is not None:
        placed = await _publish_while_looking_up(
            deps, principal, body, (principal.source, body.external_id), event_id, now
        )
    else:
        request_json = body.model_dump_json()
        window_s = deps.settings.retry_window_seconds
        placed = placed or keyless(principal.source, request_json, now, window_s)
        record = received_record(
            placed.id, principal, body, now, event_id, placed.follows, request_json
        )
        await send_or_503(deps.producer, record, timeout)
    duplicate = is_repeat(deps, placed)
    deps.recent.add(placed.id)
    return Accepted(id=placed.id, duplicate=duplicate, follows=placed.follows)


async def _publish_while_looking_up(
    deps: Deps,
    principal: Principal,
    body: EscalationIn,
    key: tuple[str, str],
    event_id: str,
    now: datetime,
) -> Placement:
    """Publish a report to its key's generation 0 while its newest escalation is looked up.

    The router walks on from generation 0 to where the report goes, so the lookup adds no
    latency. A re-fire is published once more, with the same event id (applied once),
    keyed by the new escalation: commands about it then queue behind it on its partition
    (docs/architecture.md, "Re-fires").
    """
    id_of = partial(escalation_id, *key)
    timeout = deps.settings.publish_timeout_seconds
    lookup = deps.incarnations.ask(key)
    try:
        await send_or_503(
            deps.producer, received_record(id_of(0), principal, body, now, event_id), timeout
        )
    except BaseException:
        lookup.cancel()
        raise
    placed = refire.address(await lookup, id_of)
    if placed.follows is not None:
        record = received_record(placed.id, principal, body, now, event_id, placed.follows)
        await send_or_503(deps.producer, record, timeout)
    return placed


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

    The id is derived from `(source, external_id)`: a repeat while the escalation is open
    returns the same id with `duplicate: true` and counts as an extra report. Once it is
    resolved, a repeat opens a new escalation that follows it: a new `id`, `duplicate:
    false` and `follows` naming the resolved one. A retry of the same body from the same
    source within the retry window (10 min; e.g. after a `503`, when the first attempt may
    have been stored) is recognised and never counted as a second report; without an
    `external_id` the id is derived from the body and the window, so the retry gets the
    same id. Needs scope `escalations:write`.
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


@router.get(
    "",
    response_model=EscalationPage,
    responses=errors(*READ_ERRORS),
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
        str | None,
        Query(
            pattern=cursors.PATTERN,
            description="`next_cursor` of the previous page: a position "
            "`<created_at in µs since 1970>.<escalation id>`; the page holds what is older",
        ),
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
        created, last_id = cursors.decode(cursor)
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
        items=items,
        next_cursor=cursors.encode(page[-1].created_at, page[-1].id) if len(rows) > limit else None,
    )

"""Manage schedule changes: list and cancel overrides and time off, and read their history.

Listing reads what the router stored. Cancelling is a command for the router (the single
writer of ``schedule_overrides`` and ``time_off``), keyed like the change it cancels, and
answers ``202`` like adding does. The router appends every add and cancel to
``schedule_history`` in the transaction that makes it.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import AfterValidator, AwareDatetime, BaseModel

from escalations.contracts.schedule import OverrideCancelRequested, TimeOffCancelRequested
from escalations.db.models import OverrideRow, TimeOffRow
from escalations_intake.auth.api_keys import Principal
from escalations_intake.auth.guard import Reader, Scheduler
from escalations_intake.commands.publish import Publisher
from escalations_intake.commands.schedule import CancelAccepted, cancel
from escalations_intake.db.idempotency import IdempotencyStore
from escalations_intake.db.schedules import (
    history_rows,
    override_row,
    override_rows,
    time_off_row,
    time_off_rows,
)
from escalations_intake.http.audit import audited
from escalations_intake.http.deps import ConfigDep, IdempotencyDep, PublisherDep, SessionsDep
from escalations_intake.http.idempotent import IdempotencyKey, accept
from escalations_intake.openapi.errors import READ_ERRORS, WRITE_ERRORS, errors
from escalations_intake.resources.schedule_views import (
    ScheduleHistory,
    ScheduleList,
    cancellable,
    history_item,
    item,
    known_person,
    printable,
    window,
)
from escalations_intake.resources.schedules import PersonPath, TeamId, audit_subject, known_team

router = APIRouter(prefix="/v1", tags=["schedules"])
ItemId = Annotated[uuid.UUID, Path(description="The id answered when it was added")]
From = Annotated[
    AwareDatetime | None,
    Query(alias="from", description="Window start, with a time zone (default: now)"),
]
To = Annotated[
    AwareDatetime | None,
    Query(description="Window end, with a time zone, after `from` (default: no end)"),
]
Limit = Annotated[int, Query(ge=1, le=500, description="At most this many, newest first")]
CancelReason = Annotated[
    str | None,
    Query(
        max_length=500,
        description="Why, shown in the history (no control characters)",
        # The document states what `printable` enforces (docs/integrations.md).
        json_schema_extra={"pattern": "^[^\\x00-\\x1f\\x7f]*$"},
    ),
    AfterValidator(printable),
]


@router.get(
    "/teams/{team}/overrides",
    response_model=ScheduleList,
    responses=errors(*READ_ERRORS, 404),
    summary="List overrides",
)
async def list_overrides(
    team: TeamId,
    _: Reader,
    config: ConfigDep,
    sessions: SessionsDep,
    start: From = None,
    to: To = None,
) -> ScheduleList:
    """The team's stored overrides overlapping `from`..`to` (default: current and future).

    Needs scope `escalations:read`.
    """
    known_team(config, team)
    begin, end = window(start, to, datetime.now(UTC))
    rows = await override_rows(sessions, team, begin, end)
    return ScheduleList.model_validate({"from": begin, "to": end, "items": map(item, rows)})


@router.get(
    "/people/{person}/time-off",
    response_model=ScheduleList,
    responses=errors(*READ_ERRORS, 404),
    summary="List time off",
)
async def list_time_off(
    person: PersonPath,
    _: Reader,
    config: ConfigDep,
    sessions: SessionsDep,
    start: From = None,
    to: To = None,
) -> ScheduleList:
    """The person's stored time off overlapping `from`..`to` (default: current and future).

    Needs scope `escalations:read`.
    """
    known_person(config, person)
    begin, end = window(start, to, datetime.now(UTC))
    rows = await time_off_rows(sessions, person, begin, end)
    return ScheduleList.model_validate({"from": begin, "to": end, "items": map(item, rows)})


@router.delete(
    "/teams/{team}/overrides/{override_id}",
    status_code=202,
    response_model=CancelAccepted,
    responses=errors(*WRITE_ERRORS, 404),
    summary="Cancel an override",
)
async def cancel_override(
    team: TeamId,
    override_id: ItemId,
    principal: Scheduler,
    request: Request,
    config: ConfigDep,
    sessions: SessionsDep,
    publisher: PublisherDep,
    store: IdempotencyDep,
    reason: CancelReason = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Withdraw an override: one not started is removed, a running one ends now.

    The router applies it and records it in the history. Needs scope `schedules:write`.
    """
    known_team(config, team)
    found = await override_row(sessions, str(override_id))
    row = cancellable(
        found if found is not None and found.team == team else None,
        "override",
        str(override_id),
        datetime.now(UTC),
    )

    def command() -> OverrideCancelRequested:
        return OverrideCancelRequested(
            override_id=row.id, team=team, reason=reason, source=principal.source,
            requested_at=datetime.now(UTC),
        )  # fmt: skip

    return await _cancel(
        publisher, store, request, principal, idempotency_key, reason, row, team, command
    )


@router.delete(
    "/people/{person}/time-off/{time_off_id}",
    status_code=202,
    response_model=CancelAccepted,
    responses=errors(*WRITE_ERRORS, 404),
    summary="Cancel time off",
)
async def cancel_time_off(
    person: PersonPath,
    time_off_id: ItemId,
    principal: Scheduler,
    request: Request,
    config: ConfigDep,
    sessions: SessionsDep,
    publisher: PublisherDep,
    store: IdempotencyDep,
    reason: CancelReason = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Withdraw time off: one not started is removed, a running one ends now.

    The router applies it and records it in the history. Needs scope `schedules:write`.
    """
    known_person(config, person)
    found = await time_off_row(sessions, str(time_off_id))
    row = cancellable(
        found if found is not None and found.person == person else None,
        "time_off",
        str(time_off_id),
        datetime.now(UTC),
    )

    def command() -> TimeOffCancelRequested:
        return TimeOffCancelRequested(
            time_off_id=row.id, person=person, reason=reason, source=principal.source,
            requested_at=datetime.now(UTC),
        )  # fmt: skip

    return await _cancel(
        publisher, store, request, principal, idempotency_key, reason, row, person, command
    )


async def _cancel(
    publisher: Publisher,
    store: IdempotencyStore,
    request: Request,
    principal: Principal,
    idempotency_key: str | None,
    reason: str | None,
    row: OverrideRow | TimeOffRow,
    key: str,
    command: Callable[[], BaseModel],
) -> Response:
    """Publish a cancel command keyed like the add it withdraws; answer like creation."""

    def run(event_id: str | None) -> Awaitable[CancelAccepted]:
        return cancel(publisher, command(), key, row, event_id)

    kind = "override" if isinstance(row, OverrideRow) else "time_off"
    audited_run = audited(request, principal, f"{kind}.cancel", kind, run, audit_subject)
    return await accept(store, request, principal, idempotency_key, {"reason": reason}, audited_run)


@router.get(
    "/teams/{team}/schedule-history",
    response_model=ScheduleHistory,
    responses=errors(*READ_ERRORS, 404),
    summary="Team schedule history",
)
async def team_history(
    team: TeamId, _: Reader, config: ConfigDep, sessions: SessionsDep, limit: Limit = 100
) -> ScheduleHistory:
    """Overrides of the team added and cancelled: who, what, when, why. Newest first.

    Needs scope `escalations:read`.
    """
    known_team(config, team)
    rows = await history_rows(sessions, team=team, limit=limit)
    return ScheduleHistory(items=[history_item(row) for row in rows])


@router.get(
    "/people/{person}/schedule-history",
    response_model=ScheduleHistory,
    responses=errors(*READ_ERRORS, 404),
    summary="Person schedule history",
)
async def person_history(
    person: PersonPath, _: Reader, config: ConfigDep, sessions: SessionsDep, limit: Limit = 100
) -> ScheduleHistory:
    """The person's time off and the overrides they cover, added and cancelled. Newest first.

    Needs scope `escalations:read`.
    """
    known_person(config, person)
    rows = await history_rows(sessions, person=person, limit=limit)
    return ScheduleHistory(items=[history_item(row) for row in rows])

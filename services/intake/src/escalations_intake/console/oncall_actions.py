"""The on-call page's forms: add or cancel an override or time off, create a calendar feed.

Each posts the API's command (``commands/schedule.py``) wrapped by ``http.audit.audited``
with the API's audit action (``override.create``, ``override.cancel``, ``time_off.create``,
``time_off.cancel``), so the router stores it and the audit log reads as through the API;
a feed is created by the same store call as ``POST /v1/.../feeds``. Access is the API's,
decided server-side before anything runs: leads of the team (and admins) for overrides and
team feeds, the person concerned or their lead for time off (``oncall_data.refusal_on_*``);
a refusal is the 403 page. A form error re-renders the page with a message naming the
field; success is a 303 back to the page (docs/console.md, "On call").
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from escalations.contracts.schedule import OverrideCancelRequested, TimeOffCancelRequested
from escalations.core.config_types import zone
from escalations.db.models import OverrideRow, TimeOffRow
from escalations_intake.commands.schedule import (
    ScheduleAccepted,
    add_override,
    add_time_off,
    cancel,
)
from escalations_intake.console.forms import FormError, field, form_fields
from escalations_intake.console.oncall import page_path, render_oncall
from escalations_intake.console.oncall_data import refusal_on_person, refusal_on_team
from escalations_intake.console.oncall_forms import (
    cancel_reason,
    feed_description,
    override_form,
    time_off_form,
)
from escalations_intake.console.oncall_week import team_zone
from escalations_intake.console.page_forms import after
from escalations_intake.console.people import ConsolePerson, PageExit, Person
from escalations_intake.console.render import error_page
from escalations_intake.db import Sessions
from escalations_intake.db import feeds as feed_store
from escalations_intake.db.schedules import override_row, time_off_row
from escalations_intake.http.audit import audited
from escalations_intake.http.deps import PublisherDep, SessionsDep, SettingsDep
from escalations_intake.http.problems import Problem
from escalations_intake.resources.schedule_views import cancellable
from escalations_intake.resources.schedules import audit_subject

router = APIRouter(prefix="/console/oncall", include_in_schema=False)
# The form fields a refused form is re-filled with (never the CSRF token).
_KEPT = ("person", "start", "end", "reason")


async def _where(request: Request, person: ConsolePerson) -> tuple[Mapping[str, str], str, str]:
    """Return the form's fields, its team and week, or stop with the 400 or 404 page."""
    try:
        fields = await form_fields(request)
        team, week = field(fields, "team", 64), field(fields, "week", 20)
    except FormError as exc:
        raise PageExit(error_page(request, 400, "Invalid form", str(exc))) from exc
    if team not in person.config.teams_by_id:
        why = f"team: no team '{team}' in the configuration"
        raise PageExit(error_page(request, 404, "Not found", why))
    return fields, team, week


async def _run(request: Request, person: ConsolePerson, action: str, kind: str, run: Any) -> None:
    await audited(request, person.principal, action, kind, run, audit_subject)(None)


async def _refill(
    request: Request,
    person: ConsolePerson,
    sessions: Sessions,
    where: tuple[Mapping[str, str], str, str],
    kind: str,
    exc: FormError | Problem,
) -> Response:
    """Re-render the page with the form's values and the error naming the field."""
    fields, team, week = where
    values = {name: fields.get(name, "")[:500] for name in _KEPT}
    name = exc.name if isinstance(exc, FormError) else None
    status = 422 if isinstance(exc, FormError) else exc.status
    message = str(exc) if isinstance(exc, FormError) else exc.detail
    form = {"kind": kind, "values": values, "field": name}
    return await render_oncall(
        request, person, sessions, team, week or None, error=message, status=status, form=form
    )


@router.post("/overrides")
async def add_override_form(
    request: Request, person: Person, sessions: SessionsDep, publisher: PublisherDep
) -> Response:
    """Add an override to the team (its leads and admins)."""
    try:
        where = await _where(request, person)
    except PageExit as stop:
        return stop.response
    fields, team, week = where
    refusal = refusal_on_team(person, team)
    if refusal is not None:
        return error_page(request, refusal.status, "Forbidden", refusal.detail)
    tz = zone(team_zone(person.config.team(team)))
    try:
        asked = override_form(fields, person.config, tz, datetime.now(UTC))
        window = (asked.person, asked.start, asked.end)

        def run(event_id: str | None) -> Awaitable[ScheduleAccepted]:
            return add_override(publisher, person.principal.source, team, window, event_id)

        await _run(request, person, "override.create", "override", run)
    except (FormError, Problem) as exc:
        return await _refill(request, person, sessions, where, "override", exc)
    return after(page_path(team, week or None), "override_added")


@router.post("/time-off")
async def add_time_off_form(
    request: Request, person: Person, sessions: SessionsDep, publisher: PublisherDep
) -> Response:
    """Add time off for a person (themselves, or someone on a team they lead)."""
    try:
        where = await _where(request, person)
    except PageExit as stop:
        return stop.response
    fields, team, week = where
    whom = fields.get("person", "").strip()
    if whom in person.config.people_by_id:
        refusal = refusal_on_person(person, whom)
        if refusal is not None:
            return error_page(request, refusal.status, "Forbidden", refusal.detail)
    tz = zone(team_zone(person.config.team(team)))
    try:
        asked = time_off_form(fields, person.config, tz, datetime.now(UTC))
        window = (asked.person, asked.start, asked.end)

        def run(event_id: str | None) -> Awaitable[ScheduleAccepted]:
            source = person.principal.source
            return add_time_off(publisher, source, window, asked.reason, event_id)

        await _run(request, person, "time_off.create", "time_off", run)
    except (FormError, Problem) as exc:
        return await _refill(request, person, sessions, where, "time_off", exc)
    return after(page_path(team, week or None), "time_off_added")


def _item_id(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


@router.post("/overrides/{override_id}/cancel")
async def cancel_override_form(
    request: Request,
    override_id: str,
    person: Person,
    sessions: SessionsDep,
    publisher: PublisherDep,
) -> Response:
    """Cancel an override of the team: one not started is removed, a running one ends now."""
    try:
        where = await _where(request, person)
    except PageExit as stop:
        return stop.response
    team = where[1]
    refusal = refusal_on_team(person, team)
    if refusal is not None:
        return error_page(request, refusal.status, "Forbidden", refusal.detail)
    found = await override_row(sessions, _item_id(override_id) or "")
    mine = found if found is not None and found.team == team else None

    def command(row: OverrideRow | TimeOffRow, reason: str | None) -> OverrideCancelRequested:
        return OverrideCancelRequested(
            override_id=row.id, team=team, reason=reason, source=person.principal.source,
            requested_at=datetime.now(UTC),
        )  # fmt: skip

    cancelled = ("override", override_id, mine, team, command)
    return await _cancel(request, person, sessions, publisher, where, cancelled)


@router.post("/time-off/{time_off_id}/cancel")
async def cancel_time_off_form(
    request: Request,
    time_off_id: str,
    person: Person,
    sessions: SessionsDep,
    publisher: PublisherDep,
) -> Response:
    """Cancel time off (the person's own, or of someone on a team the person leads)."""
    try:
        where = await _where(request, person)
    except PageExit as stop:
        return stop.response
    found = await time_off_row(sessions, _item_id(time_off_id) or "")
    if found is not None:
        refusal = refusal_on_person(person, found.person)
        if refusal is not None:
            return error_page(request, refusal.status, "Forbidden", refusal.detail)

    def command(row: OverrideRow | TimeOffRow, reason: str | None) -> TimeOffCancelRequested:
        return TimeOffCancelRequested(
            time_off_id=row.id, person=row.person, reason=reason, source=person.principal.source,
            requested_at=datetime.now(UTC),
        )  # fmt: skip

    key = found.person if found is not None else ""
    cancelled = ("time_off", time_off_id, found, key, command)
    return await _cancel(request, person, sessions, publisher, where, cancelled)


Cancelled = tuple[str, str, OverrideRow | TimeOffRow | None, str, Callable[[Any, str | None], Any]]


async def _cancel(
    request: Request,
    person: ConsolePerson,
    sessions: Sessions,
    publisher: PublisherDep,
    where: tuple[Mapping[str, str], str, str],
    cancelled: Cancelled,
) -> Response:
    """Check the row and the reason, publish the cancel keyed like its add, and audit it."""
    kind, item_id, found, key, command = cancelled
    fields, team, week = where
    try:
        row = cancellable(found, kind, item_id, datetime.now(UTC))
        reason = cancel_reason(fields)

        def run(event_id: str | None) -> Awaitable[Any]:
            return cancel(publisher, command(row, reason), key, row, event_id)

        await _run(request, person, f"{kind}.cancel", kind, run)
    except (FormError, Problem) as exc:
        return await _refill(request, person, sessions, where, f"{kind}_cancel", exc)
    return after(page_path(team, week or None), f"{kind}_cancelled")


@router.post("/feeds")
async def create_feed_form(
    request: Request, person: Person, sessions: SessionsDep, settings: SettingsDep
) -> Response:
    """Create a secret calendar feed URL for the team or for the person, shown this once."""
    try:
        where = await _where(request, person)
    except PageExit as stop:
        return stop.response
    fields, team, week = where
    kind = fields.get("kind", "")
    if kind not in ("team", "person"):
        return error_page(request, 400, "Invalid form", "kind: must be 'team' or 'person'")
    owner = team if kind == "team" else person.person
    refusal = refusal_on_team(person, team) if kind == "team" else refusal_on_person(person, owner)
    if refusal is not None:
        return error_page(request, refusal.status, "Forbidden", refusal.detail)
    try:
        note = feed_description(fields)
    except FormError as exc:
        return await _refill(request, person, sessions, where, "feed", exc)
    feed_kind: feed_store.FeedKind = "team" if kind == "team" else "person"
    made = await feed_store.create(sessions, feed_kind, owner, note, person.principal.actor)
    url = f"{settings.public_url.rstrip('/')}/v1/feeds/{made.secret}.ics"
    return await render_oncall(
        request,
        person,
        sessions,
        team,
        week or None,
        notice="Calendar feed created: copy its URL now, it is not shown again.",
        created_feed=url,
    )

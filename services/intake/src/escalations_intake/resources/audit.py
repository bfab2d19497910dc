"""The audit log, read by admins: ``GET /v1/audit``, filtered, newest first, paged by seq.

Entries are written by ``http.audit`` (and the CLIs); the format is docs/contract/audit.md.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, BeforeValidator, Field

from escalations.audit.chain import Entry
from escalations.audit.store import AuditQuery, page
from escalations_intake.auth.guard import Reader
from escalations_intake.auth.people import is_admin
from escalations_intake.http.deps import ConfigDep, EngineDep
from escalations_intake.http.problems import Problem
from escalations_intake.openapi.errors import READ_ERRORS, errors

router = APIRouter(prefix="/v1", tags=["audit"])
CURSOR = r"^[0-9]{1,18}$"


class AuditEntry(BaseModel):
    """One audited action."""

    seq: int = Field(description="Position in the log: 1, 2, 3... without gaps")
    at: datetime = Field(description="When it was done (UTC)")
    actor: str = Field(
        description="Who: a person id, `system:<source>` for an API key, `service:<name>` "
        "for a service, `operator:<login>` for a command-line tool"
    )
    action: str = Field(description="What, dotted, e.g. `escalation.acknowledge`")
    subject_kind: str = Field(description="What it was done to, e.g. `escalation`, `key`")
    subject_id: str | None = Field(description="Which one, when it has an id")
    detail: dict[str, Any] = Field(description="The action's particulars (never secrets)")
    client_address: str | None = Field(description="The client's address, for requests")
    user_agent: str | None = Field(description="The client's `User-Agent`, clipped")
    prev_hash: str = Field(description="`hash` of the entry before (64 zeros for the first)")
    hash: str = Field(description="SHA-256 of `prev_hash` and this entry's canonical JSON")


class AuditPage(BaseModel):
    """A page of the audit log, newest first."""

    items: list[AuditEntry] = Field(description="The entries of this page")
    next_cursor: str | None = Field(description="Pass as `cursor` for older entries; null: last")


Text = Annotated[str, Query(min_length=1, max_length=300)]
_NUMBER = re.compile(r"\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*")


def _not_a_number(value: object) -> object:
    """Refuse a number where an instant is expected (it would be read as 1970 + seconds)."""
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        raise ValueError("must be an ISO 8601 instant such as 2026-12-01T00:00:00Z")
    return value


Instant = Annotated[AwareDatetime, BeforeValidator(_not_a_number)]


@router.get(
    "/audit",
    response_model=AuditPage,
    responses=errors(*READ_ERRORS),
    summary="Read the audit log",
)
async def read_audit(
    principal: Reader,
    config: ConfigDep,
    engine: EngineDep,
    actor: Annotated[Text | None, Query(description="Only this actor")] = None,
    action: Annotated[
        Text | None, Query(description="Only this action, or those under it (`escalation`)")
    ] = None,
    subject_kind: Annotated[Text | None, Query(description="Only this kind of subject")] = None,
    subject_id: Annotated[Text | None, Query(description="Only this subject id")] = None,
    since: Annotated[Instant | None, Query(description="From this instant on")] = None,
    until: Annotated[Instant | None, Query(description="Before this instant")] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Page size")] = 100,
    cursor: Annotated[
        str | None,
        Query(pattern=CURSOR, description="`next_cursor` of the previous page (a seq)"),
    ] = None,
) -> AuditPage:
    """Who did what, when and from where; newest first, filtered, with cursor pagination.

    Actions on escalations, schedules, keys, tokens, sign-ins and configuration reloads.
    Follow `next_cursor` until it is `null`. Admins only: an admin person, or a key holding
    every scope (`403` otherwise).
    """
    if not is_admin(principal, config):
        raise Problem(403, "Forbidden", "the audit log is for admins only")
    query = AuditQuery(actor, action, subject_kind, subject_id, since, until)
    before = int(cursor) if cursor is not None else None
    entries, next_before = await page(engine, query, limit, before)
    return AuditPage(
        items=[_view(entry) for entry in entries],
        next_cursor=None if next_before is None else str(next_before),
    )


def _view(entry: Entry) -> AuditEntry:
    return AuditEntry(
        seq=entry.seq,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        subject_kind=entry.subject_kind,
        subject_id=entry.subject_id,
        detail=dict(entry.detail),
        client_address=entry.client_address,
        user_agent=entry.user_agent,
        prev_hash=entry.prev_hash,
        hash=entry.hash,
    )

"""A source's status callback: where its requesters hear about their escalations.

An admin sets a signed callback URL and/or an e-mail address per source (docs/contract/
http-api.md, "Status callbacks"); the notifier sends the requester updates there. A source
is a name an API key was made for. The URL may carry a credential, so the audit log keeps
only its origin.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from escalations.core.config import Config
from escalations.core.config_types import suggest
from escalations.db.models_stakeholders import SourceCallbackRow
from escalations_intake.auth.guard import Caller
from escalations_intake.auth.people import is_admin
from escalations_intake.auth.principal import Principal
from escalations_intake.db import Sessions
from escalations_intake.db import source_callbacks as store
from escalations_intake.http.audit import audit
from escalations_intake.http.deps import ConfigDep, SessionsDep
from escalations_intake.http.problems import Problem
from escalations_intake.openapi.errors import READ_ERRORS, WRITE_ERRORS, errors
from escalations_intake.openapi.examples import CALLBACK_EXAMPLES
from escalations_intake.resources.subscription_bodies import EMAIL_PATTERN, UrlField
from escalations_intake.resources.subscription_views import url_origin

router = APIRouter(prefix="/v1/sources/{source}/status-callback", tags=["stakeholders"])
SourcePath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=80,
        pattern=r"^[a-z0-9][a-z0-9_.-]*$",
        description="A source name, as its API keys were made for (e.g. `legal`)",
    ),
]
ADMINS_ONLY = (
    "status callbacks are for admins only: a person in access.admins, or a key holding every scope"
)


class CallbackBody(BaseModel):
    """Where the source's requesters hear back: a URL, an e-mail address, or both."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: UrlField = Field(
        None,
        description="An http(s) URL, at most 2,048 characters, that receives signed JSON "
        "(`X-Escalation-Signature`); null or absent for none. With `email`, at least one",
        examples=["https://legal.example.com/escalations/status"],
    )
    email: Annotated[str, Field(max_length=320, pattern=EMAIL_PATTERN)] | None = Field(
        None,
        description="An e-mail address; null or absent for none. With `url`, at least one",
        examples=["legal-ops@example.com"],
    )


class Callback(BaseModel):
    """A source's status callback settings."""

    source: str = Field(description="The source")
    url: str | None = Field(description="The signed callback URL, or null")
    email: str | None = Field(description="The e-mail address, or null")
    updated_by: str = Field(description="Who set it: an admin, or `system:<source>`")
    updated_at: datetime = Field(description="When")


def _admin(principal: Principal, config: Config) -> None:
    """Raise 403 unless an admin calls (a person's role is also checked by the access seam)."""
    if not is_admin(principal, config):
        raise Problem(403, "Forbidden", ADMINS_ONLY)


async def _known(sessions: Sessions, source: str) -> None:
    """Raise 404 unless an API key was ever made for ``source``, suggesting a close one."""
    if not await store.is_known(sessions, source):
        hint = suggest(source, await store.known_sources(sessions))
        raise Problem(404, "Not found", f"source: no API key was made for source '{source}'{hint}")


async def _stored(sessions: Sessions, source: str) -> SourceCallbackRow:
    row = await store.get(sessions, source)
    if row is None:
        raise Problem(404, "Not found", f"source: no status callback set for source '{source}'")
    return row


def _view(row: SourceCallbackRow) -> Callback:
    return Callback.model_validate(row, from_attributes=True)


def _detail(row: SourceCallbackRow | None) -> dict[str, Any]:
    """What the audit log keeps: the URL's origin only (its path may be a credential)."""
    if row is None:
        return {}
    return {"url_origin": url_origin(row.url) if row.url else None, "email": row.email}


@router.put(
    "",
    response_model=Callback,
    responses=errors(*WRITE_ERRORS, 404),
    summary="Set a source's status callback",
)
async def put_callback(
    source: SourcePath,
    body: Annotated[CallbackBody, Body(openapi_examples=CALLBACK_EXAMPLES)],
    principal: Caller,
    request: Request,
    config: ConfigDep,
    sessions: SessionsDep,
) -> Callback:
    """Set where the source's requesters hear about their escalations (replaces both fields).

    They hear of `escalation.received`, `escalation.acknowledged`, updates posted for the
    requester and `escalation.resolved`, redacted, signed like every outbound webhook.
    At least one of `url` and `email` (`422` otherwise); an unknown source is `404`.
    Admins only. Audited as `source.callback_set` (the URL's origin only).
    """
    _admin(principal, config)
    await _known(sessions, source)
    if body.url is None and body.email is None:
        raise Problem(
            422, "Invalid request", "url, email: give at least one (both are null or absent)"
        )
    url = str(body.url) if body.url is not None else None
    row = await store.put(sessions, source, url, body.email, principal.actor)
    await audit(request, principal, "source.callback_set", "source", source, _detail(row))
    return _view(row)


@router.get(
    "",
    response_model=Callback,
    responses=errors(*READ_ERRORS, 404),
    summary="Read a source's status callback",
)
async def get_callback(
    source: SourcePath, principal: Caller, config: ConfigDep, sessions: SessionsDep
) -> Callback:
    """The source's callback URL and e-mail address (`404` if none is set). Admins only."""
    _admin(principal, config)
    await _known(sessions, source)
    return _view(await _stored(sessions, source))


@router.delete(
    "",
    status_code=204,
    response_class=Response,
    responses=errors(401, 403, 404, 422, 429, 503),
    summary="Clear a source's status callback",
)
async def delete_callback(
    source: SourcePath,
    principal: Caller,
    request: Request,
    config: ConfigDep,
    sessions: SessionsDep,
) -> Response:
    """Stop the source's requester updates (`404` if none is set). Admins only.

    Audited as `source.callback_clear`.
    """
    _admin(principal, config)
    await _known(sessions, source)
    row = await _stored(sessions, source)
    if not await store.clear(sessions, source):
        raise Problem(404, "Not found", f"source: no status callback set for source '{source}'")
    await audit(request, principal, "source.callback_clear", "source", source, _detail(row))
    return Response(status_code=204)

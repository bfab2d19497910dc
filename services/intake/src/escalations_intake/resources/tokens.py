"""Personal API tokens: a person's scripts and the CLI act as that person.

The person themselves (signed in, or with one of their tokens) or an admin creates, lists
and revokes them (docs/contract/http-api.md, "Personal API tokens"). A token is shown once,
when it is created; only its SHA-256 is stored. A token holds at most the scopes of whoever
created it, and expires after at most ``INTAKE_TOKEN_MAX_DAYS`` days.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from escalations.core.config import Config
from escalations.db.models_identity import PersonTokenRow
from escalations_intake.auth.api_keys import hash_key
from escalations_intake.auth.guard import Caller
from escalations_intake.auth.people import may_manage_tokens
from escalations_intake.auth.principal import Principal, Scope
from escalations_intake.auth.tokens import SHOWN_PREFIX, new_token
from escalations_intake.db import tokens as token_store
from escalations_intake.http.audit import audit
from escalations_intake.http.bodies import Timestamp
from escalations_intake.http.deps import ConfigDep, SessionsDep, SettingsDep
from escalations_intake.http.problems import Problem
from escalations_intake.openapi.errors import READ_ERRORS, WRITE_ERRORS, errors
from escalations_intake.resources.schedule_views import known_person, printable
from escalations_intake.resources.schedules import PersonPath

router = APIRouter(prefix="/v1/people/{person}/tokens", tags=["tokens"])
TokenId = Annotated[uuid.UUID, Path(description="The id answered when the token was created")]


def plain_text(value: str | None) -> str | None:
    """Return printable text without markup: control characters and ``<``/``>`` refused."""
    text = printable(value)
    if text is not None and ("<" in text or ">" in text):
        raise ValueError("must not contain markup (the characters < and >)")
    return text


class TokenBody(BaseModel):
    """A new personal token: what for, what it may do, until when."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    description: Annotated[str, AfterValidator(plain_text)] = Field(
        min_length=1,
        max_length=200,
        description="What the token is for (plain text, no control characters or markup)",
        examples=["laptop CLI"],
        # The document states what `plain_text` enforces, which says what is wrong.
        json_schema_extra={"pattern": "^[^\\x00-\\x1f\\x7f<>]*$"},
    )
    scopes: list[Scope] = Field(
        min_length=1,
        max_length=len(Scope),
        description="What the token may do: at most the scopes of the caller",
        examples=[["escalations:read", "escalations:act"]],
    )
    expires_at: Timestamp = Field(
        description="When it stops working, with a time zone: in the future, at most "
        "`INTAKE_TOKEN_MAX_DAYS` days (default 90) from now",
        examples=["2027-03-01T00:00:00Z"],
    )


class Token(BaseModel):
    """A personal token as listed (the token itself is never shown again)."""

    id: str = Field(description="Token id (to revoke it)")
    person: str = Field(description="Whose token it is: requests with it act as this person")
    description: str = Field(description="What the token is for")
    scopes: list[Scope] = Field(description="What the token may do")
    token_prefix: str = Field(description="The token's first characters, to recognise it")
    created_by: str = Field(description="Who created it: the person, or `system:<source>`")
    created_at: datetime = Field(description="When it was created")
    expires_at: datetime = Field(description="When it stops working")
    revoked_at: datetime | None = Field(description="When it was revoked (null: not revoked)")


class TokenCreated(BaseModel):
    """A new personal token, shown only this once."""

    id: str = Field(description="Token id (to revoke it)")
    token: str = Field(description="The token (`ept_...`); keep it like a password")
    person: str = Field(description="Whose token it is")
    description: str = Field(description="What the token is for")
    scopes: list[Scope] = Field(description="What the token may do")
    created_at: datetime = Field(description="When it was created")
    expires_at: datetime = Field(description="When it stops working")


class Tokens(BaseModel):
    """The personal tokens of a person, newest first."""

    tokens: list[Token] = Field(description="Live, expired and revoked tokens, without secrets")


def _allowed(principal: Principal, config: Config, person: str) -> None:
    """Raise 404 for an unknown person, 403 unless the caller is that person or an admin."""
    known_person(config, person)
    may_manage_tokens(principal, person, config)


def granted_scopes(body: TokenBody, principal: Principal, longest_days: int) -> frozenset[Scope]:
    """Return the body's scopes; raise 403 beyond the caller's, 422 for a bad expiry."""
    scopes = frozenset(body.scopes)
    beyond = sorted(scopes - principal.scopes)
    if beyond:
        raise Problem(
            403, "Forbidden", f"scopes: the caller lacks {', '.join(beyond)} and cannot grant it"
        )
    now = datetime.now(UTC)
    if body.expires_at <= now:
        raise Problem(422, "Invalid request", "expires_at: must be in the future")
    if body.expires_at > now + timedelta(days=longest_days):
        raise Problem(
            422, "Invalid request", f"expires_at: must be at most {longest_days} days from now"
        )
    return scopes


_CREATED: dict[int | str, dict[str, Any]] = {
    201: {"model": TokenCreated, "description": "The token, shown only this once"}
}


@router.post(
    "",
    status_code=201,
    response_class=Response,
    responses={**_CREATED, **errors(*WRITE_ERRORS, 404)},
    summary="Create a personal token",
)
async def create_token(
    person: PersonPath,
    body: TokenBody,
    principal: Caller,
    request: Request,
    config: ConfigDep,
    sessions: SessionsDep,
    settings: SettingsDep,
) -> Response:
    """A token for the person's scripts and CLI: requests with it act as the person.

    By the person themselves or an admin key; the token is shown once.
    """
    _allowed(principal, config, person)
    scopes = granted_scopes(body, principal, settings.token_max_days)
    token = new_token()
    new = token_store.NewToken(
        person, body.description, tuple(scopes), body.expires_at, principal.actor
    )
    row = await token_store.create(sessions, new, hash_key(token), token[:SHOWN_PREFIX])
    detail = {"person": person, "scopes": row.scopes, "expires_at": row.expires_at.isoformat()}
    await audit(request, principal, "token.create", "token", row.id, detail)
    answer = TokenCreated.model_validate({**_token(row).model_dump(), "token": token})
    return Response(answer.model_dump_json(), status_code=201, media_type="application/json")


@router.get(
    "",
    response_model=Tokens,
    responses=errors(*READ_ERRORS, 404),
    summary="List personal tokens",
)
async def list_tokens(
    person: PersonPath, principal: Caller, config: ConfigDep, sessions: SessionsDep
) -> Tokens:
    """The person's tokens, without the tokens themselves. By the person or an admin."""
    _allowed(principal, config, person)
    return Tokens(tokens=[_token(row) for row in await token_store.listed(sessions, person)])


@router.delete(
    "/{token_id}",
    status_code=204,
    response_class=Response,
    responses=errors(401, 403, 404, 422, 429, 503),
    summary="Revoke a personal token",
)
async def revoke_token(
    person: PersonPath,
    token_id: TokenId,
    principal: Caller,
    request: Request,
    config: ConfigDep,
    sessions: SessionsDep,
) -> Response:
    """Revoke the token: it stops working within the key cache time (default 30 s).

    Revoking a revoked token changes nothing and answers 204 again. By the person or an admin.
    """
    _allowed(principal, config, person)
    revoked = await token_store.revoke(sessions, person, str(token_id))
    if revoked is None:
        raise Problem(404, "Not found", f"token_id: no token '{token_id}' of person '{person}'")
    if revoked:
        await audit(request, principal, "token.revoke", "token", str(token_id), {"person": person})
    return Response(status_code=204)


def _token(row: PersonTokenRow) -> Token:
    return Token.model_validate(row, from_attributes=True)

"""Tables of people's identity the intake writes: personal API tokens (``person_tokens``),
browser sessions (``web_sessions``) and sign-ins under way (``sign_in_grants``, docs/sign-in.md).

A personal token lets a person's scripts and the CLI act as that person
(docs/contract/http-api.md, "Personal API tokens"). Only the token's SHA-256 is stored.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Index, String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel


class PersonTokenRow(SQLModel, table=True):
    """A personal API token of a person: scopes, expiry, and its hash (never the token)."""

    __tablename__ = "person_tokens"
    __table_args__ = (Index("ix_person_tokens_person_created", "person", "created_at"),)

    id: str = Field(primary_key=True, max_length=36)
    person: str = Field(max_length=100)
    description: str = Field(max_length=200)
    scopes: list[str] = Field(sa_column=Column(ARRAY(String(40)), nullable=False))
    token_hash: str = Field(max_length=64, unique=True)
    token_prefix: str = Field(max_length=16)
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class WebSessionRow(SQLModel, table=True):
    """A signed-in browser: the hash of its session cookie, whose it is, and until when.

    The cookie holds a random id; only its SHA-256 is stored, so a copy of the table signs
    nobody in. ``csrf_token`` is what cookie-authenticated writes send as ``X-CSRF-Token``.
    """

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_expires", "expires_at"),)

    id_hash: str = Field(primary_key=True, max_length=64)
    person: str = Field(max_length=100)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    last_seen: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    user_agent: str | None = Field(default=None, max_length=300)
    client_address: str | None = Field(default=None, max_length=64)


class SignInGrantRow(SQLModel, table=True):
    """A sign-in under way (``oidc``: state, nonce, PKCE verifier) or a local one-time link.

    Keyed by the SHA-256 of the state or link token; taken (deleted) once when used, so
    neither can be replayed, and every intake worker or replica can finish it.
    """

    __tablename__ = "sign_in_grants"
    __table_args__ = (Index("ix_sign_in_grants_expires", "expires_at"),)

    id_hash: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=10)
    person: str | None = Field(default=None, max_length=100)
    nonce: str | None = Field(default=None, max_length=200)
    code_verifier: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    # The console page to return to after an OpenID Connect sign-in (migration 0018).
    next_path: str | None = Field(default=None, max_length=500)

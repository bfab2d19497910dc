"""The narrow dependencies a route declares: each handler asks for just what it uses.

``bootstrap.build`` wires every piece once, into ``app.state.intake``; each function here
hands out one of them (``Annotated`` aliases, as FastAPI's documentation shows). The create
fast path reads the same pieces (``fast_paths``), so both call one ``CreateEscalation``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine

from escalations.core.config import Config
from escalations_intake.auth.rate_limit import TokenBuckets
from escalations_intake.commands.act import RequestAction
from escalations_intake.commands.create import CreateEscalation
from escalations_intake.commands.publish import Publisher
from escalations_intake.db import Sessions
from escalations_intake.db.idempotency import IdempotencyStore
from escalations_intake.settings import IntakeSettings


async def _sessions(request: Request) -> Sessions:
    sessions: Sessions = request.app.state.intake.sessions
    return sessions


async def _engine(request: Request) -> AsyncEngine:
    engine: AsyncEngine = request.app.state.intake.engine
    return engine


async def _publisher(request: Request) -> Publisher:
    publisher: Publisher = request.app.state.intake.publisher
    return publisher


async def _create(request: Request) -> CreateEscalation:
    create: CreateEscalation = request.app.state.intake.create
    return create


async def _act(request: Request) -> RequestAction:
    act: RequestAction = request.app.state.intake.act
    return act


async def _idempotency(request: Request) -> IdempotencyStore:
    store: IdempotencyStore = request.app.state.intake.idempotency
    return store


async def _config(request: Request) -> Config:
    """Return the configuration in force (reloaded first if its file changed)."""
    config: Config = request.app.state.intake.config.current()
    return config


async def _limiter(request: Request) -> TokenBuckets:
    limiter: TokenBuckets = request.app.state.intake.guard.limiter
    return limiter


async def _settings(request: Request) -> IntakeSettings:
    settings: IntakeSettings = request.app.state.intake.settings
    return settings


SessionsDep = Annotated[Sessions, Depends(_sessions)]
EngineDep = Annotated[AsyncEngine, Depends(_engine)]
PublisherDep = Annotated[Publisher, Depends(_publisher)]
CreateDep = Annotated[CreateEscalation, Depends(_create)]
ActDep = Annotated[RequestAction, Depends(_act)]
IdempotencyDep = Annotated[IdempotencyStore, Depends(_idempotency)]
ConfigDep = Annotated[Config, Depends(_config)]
LimiterDep = Annotated[TokenBuckets, Depends(_limiter)]
SettingsDep = Annotated[IntakeSettings, Depends(_settings)]

"""The router's hot-path connections: plain asyncpg, no ORM.

Every batch and every timer sweep is a handful of hand-written statements in one
transaction. Through SQLAlchemy's async layer each statement cost about 140 us of CPU and
each transaction about 400 us more, several times the work of the SQL itself, on every
batch; here a statement costs what asyncpg costs, about 15 us. Rows come back as the
domain's plain records (``store.escalations_of``) and are written back explicitly
(``store.Writes``).
"""

from __future__ import annotations

from typing import Any, TypeAlias

import asyncpg
import orjson
from sqlalchemy.engine import make_url

from escalations.db.held import DATABASE_ERRORS

# asyncpg ships no type information: these name what is passed around.
Connection: TypeAlias = Any
Pool: TypeAlias = Any
Record: TypeAlias = Any

# What a lost or refused connection raises: a batch or sweep is retried after any of these.
ERRORS = DATABASE_ERRORS


def dsn(url: str) -> str:
    """Return a libpq DSN for a SQLAlchemy URL (``postgresql+asyncpg://`` -> ``postgresql://``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _prepare(connection: Connection) -> None:
    for kind in ("json", "jsonb"):
        await connection.set_type_codec(
            kind,
            schema="pg_catalog",
            encoder=lambda value: orjson.dumps(value).decode(),
            decoder=orjson.loads,
        )


SERVER_SETTINGS = {"plan_cache_mode": "force_custom_plan"}


async def _keep(connection: Connection) -> None:
    """Return a connection to the pool as it is (asyncpg rolls back any open transaction).

    The default reset runs ``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL``:
    a round trip on every batch, for session state this pool never creates.
    """


def make_pool(url: str, *, size: int = 2) -> Pool:
    """Return a pool (not yet connected: ``await pool`` or ``start``), planning every execution.

    Custom plans only: statements are prepared once per connection, and Postgres would
    otherwise settle on a generic plan made while the tables were new and small (a seq scan
    of ``processed_events``, say), then keep it while the tables grow, so every batch would
    cost more than the last until autovacuum's next analyse. Planning each execution costs
    a fraction of a millisecond per batch.
    """
    pool: Pool = asyncpg.create_pool(
        dsn(url),
        min_size=1,
        max_size=size,
        init=_prepare,
        reset=_keep,
        server_settings=SERVER_SETTINGS,
    )
    return pool


async def connect(url: str, **settings: str) -> Connection:
    """Return one connection outside the pool (the relay's), planning every execution too."""
    return await asyncpg.connect(dsn(url), server_settings={**SERVER_SETTINGS, **settings})


def as_json(rows: Any) -> str:
    """Return rows as JSON text for a ``CAST($n::text AS jsonb)`` parameter."""
    return orjson.dumps(rows).decode()

"""Alembic environment: async engine on asyncpg, metadata from the SQLModel tables."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import async_engine_from_config
from sqlmodel import SQLModel

from escalations.db import load_models

load_models()  # registers every table on SQLModel.metadata
config = context.config
target_metadata = SQLModel.metadata
if not config.get_main_option("sqlalchemy.url"):
    # Developer CLI use (alembic.ini at the repo root): take DATABASE_URL like the services do.
    from escalations.settings import DatabaseSettings

    config.set_main_option("sqlalchemy.url", DatabaseSettings().database_url.replace("%", "%%"))


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of connecting."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    """Connect with the async engine and run the migrations in a sync callback."""
    engine = async_engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_async_migrations())

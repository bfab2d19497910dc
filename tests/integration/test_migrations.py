"""The Alembic migrations: one head, and the models match the migrated schema."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from alembic import command
from alembic.script import ScriptDirectory

from devstack.stack import Stack
from escalations.db.migrate import alembic_config

pytestmark = pytest.mark.integration


def test_single_head() -> None:
    """The migration history is one line: exactly one head."""
    script = ScriptDirectory.from_config(alembic_config("postgresql+asyncpg://unused/x"))
    assert len(script.get_heads()) == 1, script.get_heads()


def test_models_match_migrations(stack: Stack) -> None:
    """After upgrading from empty, autogenerate finds nothing: no model lacks a migration."""
    assert stack.database_url is not None
    command.check(alembic_config(stack.database_url))


def _fresh_database(url: str, name: str) -> str:
    """Create an empty database beside the session's (so running services are not disturbed)."""
    base, _, _ = url.rpartition("/")

    async def create() -> None:
        conn = await asyncpg.connect(base.replace("+asyncpg", "") + "/postgres")
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())
    return f"{base}/{name}"


def test_upgrade_from_empty_downgrade_to_base_and_back(stack: Stack) -> None:
    """From an empty database every migration applies, reverts cleanly, and applies again."""
    assert stack.database_url is not None
    cfg = alembic_config(_fresh_database(stack.database_url, "migrations_roundtrip"))
    command.upgrade(cfg, "heads")
    command.check(cfg)
    command.downgrade(cfg, "base")
    command.upgrade(cfg, "heads")
    command.check(cfg)

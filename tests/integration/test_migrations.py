"""The Alembic migrations: one head, and the models match the migrated schema."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.script import ScriptDirectory

from devstack.stack import Stack
from escalations.db.migrate import alembic_config
from tests.support import fresh_database

pytestmark = pytest.mark.integration


def test_single_head() -> None:
    """The migration history is one line: exactly one head."""
    script = ScriptDirectory.from_config(alembic_config("postgresql+asyncpg://unused/x"))
    assert len(script.get_heads()) == 1, script.get_heads()


def test_models_match_migrations(stack: Stack) -> None:
    """After upgrading from empty, autogenerate finds nothing: no model lacks a migration."""
    assert stack.database_url is not None
    command.check(alembic_config(stack.database_url))


def test_upgrade_from_empty_downgrade_to_base_and_back(stack: Stack) -> None:
    """From an empty database every migration applies, reverts cleanly, and applies again."""
    assert stack.database_url is not None
    cfg = alembic_config(fresh_database(stack.database_url, "migrations_roundtrip", migrate=False))
    command.upgrade(cfg, "heads")
    command.check(cfg)
    command.downgrade(cfg, "base")
    command.upgrade(cfg, "heads")
    command.check(cfg)

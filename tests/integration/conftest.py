"""Fixtures shared by the integration modules."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from devstack.stack import Stack
from escalations.db.engine import make_engine
from tests.support import fresh_database


@pytest.fixture(scope="module")
def database(stack: Stack, request: pytest.FixtureRequest) -> str:
    """A migrated database of the requesting module's own, named after it."""
    assert stack.database_url is not None
    return fresh_database(stack.database_url, request.module.__name__.rpartition(".")[2])


@pytest.fixture
async def ledger_engine(database: str) -> AsyncIterator[AsyncEngine]:
    """An engine on that database, with the notifier's ledger emptied."""
    engine = make_engine(database)
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE deliveries"))
    yield engine
    await engine.dispose()

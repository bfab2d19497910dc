"""A fresh, migrated database per notifier under test, beside the session's own."""

from __future__ import annotations

import asyncio

import asyncpg

from escalations.db.migrate import upgrade


def fresh_database(url: str, name: str) -> str:
    """Create (or recreate) database ``name`` beside ``url``'s, migrate it, return its URL."""
    base, _, _ = url.rpartition("/")

    async def create() -> None:
        conn = await asyncpg.connect(base.replace("+asyncpg", "") + "/postgres")
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())
    fresh = f"{base}/{name}"
    upgrade(fresh)
    return fresh


async def query(url: str, sql: str, *args: object) -> list[asyncpg.Record]:
    """Run one query on ``url`` and return its rows."""
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()

"""Helpers shared by the integration and end-to-end tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from escalations.db.migrate import upgrade


def wait_for(predicate: Callable[[], Any], timeout: float = 15.0, what: str = "condition") -> Any:
    """Poll until ``predicate`` returns something truthy; fail naming ``what`` otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)


def fresh_database(url: str, name: str, *, migrate: bool = True) -> str:
    """Create (or recreate) database ``name`` beside ``url``'s; migrate it unless told not to."""
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
    if migrate:
        upgrade(fresh)
    return fresh


async def query(url: str, sql: str, *args: object) -> list[asyncpg.Record]:
    """Run one query on ``url`` and return its rows."""
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


READ_ACT = ("escalations:read", "escalations:act")


def person_token(
    base_url: str, admin_key: str, person: str, scopes: tuple[str, ...] = READ_ACT
) -> str:
    """Create a personal token of ``person`` with the admin key; return the token.

    People act as themselves (docs/contract/access.md): a test that acts as a person uses
    that person's token, never a source key naming them in ``by``.
    """
    expires = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    body = {"description": "test", "scopes": list(scopes), "expires_at": expires}
    headers = {"Authorization": f"Bearer {admin_key}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=15) as admin:
        created = admin.post(f"/v1/people/{person}/tokens", json=body)
    assert 201 == created.status_code, created.text
    return str(created.json()["token"])

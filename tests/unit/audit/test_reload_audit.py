"""A configuration reload is audited in the background, and never waits on Postgres."""

from __future__ import annotations

import logging

import pytest

from escalations.audit.reloads import ReloadAudit
from escalations.db.engine import make_engine


async def test_postgres_away_logs_a_warning_and_drops_the_entry(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """With nothing listening, the hook returns at once and the write only logs a warning."""
    engine = make_engine("postgresql+asyncpg://nobody:nothing@127.0.0.1:9/none", pool_size=1)
    hook = ReloadAudit(engine, "intake", "/etc/escalations/config.yaml")
    with caplog.at_level(logging.WARNING, logger="escalations.audit.reloads"):
        hook("refused", "teams[0].id: required")
        await hook.drain()
    await engine.dispose()
    assert "configuration reload not audited" in caplog.text


def test_without_an_event_loop_the_hook_only_warns(caplog: pytest.LogCaptureFixture) -> None:
    """A synchronous caller (no running loop) is never held up or failed."""
    engine = make_engine("postgresql+asyncpg://nobody:nothing@127.0.0.1:9/none", pool_size=1)
    with caplog.at_level(logging.WARNING, logger="escalations.audit.reloads"):
        ReloadAudit(engine, "intake", "config.yaml")("applied", None)
    assert "no event loop" in caplog.text

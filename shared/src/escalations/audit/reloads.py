"""Audit configuration reloads without ever holding one up.

A ``ConfigFile`` (``escalations.reload``) tells its ``on_outcome`` hook each reload's
outcome; ``ReloadAudit`` is such a hook. It writes a ``config.reload`` entry in the
background, and if Postgres is away it logs a warning and drops the entry: the reload has
happened either way (docs/contract/audit.md).
"""

from __future__ import annotations

import asyncio
import logging
import os

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from escalations.audit.store import append_now

log = logging.getLogger(__name__)
ERROR_CHARS = 2000


class ReloadAudit:
    """The ``on_outcome`` hook of a service's ``ConfigFile`` that audits each reload."""

    def __init__(self, engine: AsyncEngine, service: str, path: str) -> None:
        self._engine = engine
        self._actor = f"service:{service}"
        self._path = path
        self._pending: set[asyncio.Task[None]] = set()
        self._in_order: asyncio.Lock | None = None  # made in the loop that writes

    def __call__(self, outcome: str, error: str | None) -> None:
        """Start writing the entry; return at once."""
        detail = {"outcome": outcome, "file": self._path, "pid": os.getpid()}
        if error is not None:
            detail["error"] = error[:ERROR_CHARS]
        try:
            task = asyncio.get_running_loop().create_task(self._write(detail))
        except RuntimeError:  # no event loop (a synchronous caller): nothing to write with
            log.warning("configuration reload not audited: no event loop")
            return
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _write(self, detail: dict[str, object]) -> None:
        # Tasks start in the order they were made and the lock queues them first come, first
        # served: two quick reloads are recorded in the order they happened.
        if self._in_order is None:
            self._in_order = asyncio.Lock()
        async with self._in_order:
            await self._append(detail)

    async def _append(self, detail: dict[str, object]) -> None:
        try:
            await append_now(
                self._engine,
                actor=self._actor,
                action="config.reload",
                subject_kind="config",
                subject_id=None,
                detail=detail,
            )
        except (SQLAlchemyError, OSError) as exc:  # Postgres away: the reload stands anyway
            log.warning("configuration reload not audited: %s", exc)

    async def drain(self) -> None:
        """Wait for the entries being written (tests, and a clean stop)."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

"""Configuration reload without a restart: on SIGHUP, or when the file changes.

A new configuration is validated in full before it replaces the old one; a bad one is
refused with the reasons in the log and the running configuration stays. Escalations
already running keep their snapshotted policy; new decisions use the new configuration.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from pathlib import Path

from escalations.core.config import ConfigError, load_config
from escalations_router.core_decider import CoreDecider

log = logging.getLogger(__name__)


class ConfigWatcher:
    """Reloads the decider's configuration from ``path``."""

    def __init__(self, path: Path, decider: CoreDecider, *, interval: float) -> None:
        self._path = path
        self._decider = decider
        self._interval = interval
        self._asked = asyncio.Event()
        self._seen = self._stamp()

    def ask(self) -> None:
        """Request a reload (the SIGHUP handler)."""
        self._asked.set()

    def reload(self) -> bool:
        """Load and validate the file; swap it in if valid; return whether it was."""
        try:
            loaded = load_config(self._path)
        except (ConfigError, OSError) as exc:
            log.error(
                "configuration reload refused, keeping the running one; fix %s:\n%s",
                self._path,
                exc,
            )
            return False
        self._decider.config = loaded.config
        for warning in loaded.warnings:
            log.warning("configuration: %s", warning)
        log.info("configuration reloaded from %s", self._path)
        return True

    async def run(self, stop: asyncio.Event) -> None:
        """Watch for SIGHUP and file changes until ``stop`` is set."""
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGHUP, self.ask)
        try:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._asked.wait(), timeout=self._interval)
                stamp = self._stamp()
                if self._asked.is_set() or stamp != self._seen:
                    self._asked.clear()
                    self._seen = stamp
                    self.reload()
        finally:
            loop.remove_signal_handler(signal.SIGHUP)

    def _stamp(self) -> tuple[int, int] | None:
        try:
            info = self._path.stat()
        except OSError:
            return None
        return (info.st_mtime_ns, info.st_size)

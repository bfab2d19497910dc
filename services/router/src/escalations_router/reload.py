"""Configuration reload without a restart: on SIGHUP, or when the file changes.

The mechanism is shared by every service (``escalations.reload``): a new configuration
is validated in full before it replaces the old one, and a bad one is refused with the
reasons in the log while the running configuration stays. Here the new configuration goes
to the decider. Escalations already running keep their snapshotted policy; new decisions
use the new configuration.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from escalations.reload import ConfigFile
from escalations_router import metrics
from escalations_router.domain.core_decider import CoreDecider


class ConfigWatcher:
    """Reloads the decider's configuration from ``path``."""

    def __init__(self, path: Path, decider: CoreDecider, *, interval: float) -> None:
        self._interval = interval
        self.file = ConfigFile(
            path,
            decider.config,
            metrics=metrics.CONFIG_RELOAD,
            on_change=lambda config: setattr(decider, "config", config),
        )

    def ask(self) -> None:
        """Request a reload (the SIGHUP handler)."""
        self.file.ask()

    def reload(self) -> bool:
        """Load and validate the file; swap it in if valid; return whether it was."""
        return self.file.reload()

    async def run(self, stop: asyncio.Event) -> None:
        """Watch for SIGHUP and file changes until ``stop`` is set."""
        await self.file.watch(stop, self._interval)

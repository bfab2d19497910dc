"""The configuration file, reloaded when it changes; a broken edit keeps the last good one.

The reload itself is shared by every service (``escalations.reload``). Requests ask for
the configuration, so the intake checks the file lazily, at most every ``CHECK_EVERY_S``,
in each worker.
"""

from __future__ import annotations

import time
from pathlib import Path

from escalations.core.config import Config
from escalations.reload import ConfigFile
from escalations_intake import metrics

CHECK_EVERY_S = 2.0


class ConfigSource:
    """Hands out the current configuration, checking the file at most every 2 s."""

    def __init__(self, path: Path) -> None:
        self.file = ConfigFile.load(path, metrics=metrics.CONFIG_RELOAD)
        self._checked = time.monotonic()

    def current(self) -> Config:
        """Return the configuration in force, reloading it first if the file changed."""
        now = time.monotonic()
        if now - self._checked >= CHECK_EVERY_S:
            self._checked = now
            self.file.check()
        return self.file.config

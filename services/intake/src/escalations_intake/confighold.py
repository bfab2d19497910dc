"""The configuration file, reloaded when it changes; a broken edit keeps the last good one."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from escalations.core.config import Config, ConfigError, load_config

log = logging.getLogger(__name__)
CHECK_EVERY_S = 2.0


class ConfigSource:
    """Hands out the current configuration, checking the file's mtime at most every 2 s."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._mtime = path.stat().st_mtime_ns
        self._config = load_config(path).config
        self._checked = time.monotonic()

    def current(self) -> Config:
        """Return the configuration in force, reloading it first if the file changed."""
        now = time.monotonic()
        if now - self._checked >= CHECK_EVERY_S:
            self._checked = now
            self._maybe_reload()
        return self._config

    def _maybe_reload(self) -> None:
        try:
            mtime = self._path.stat().st_mtime_ns
        except OSError as exc:
            log.warning("config %s unreadable, keeping the last good one: %s", self._path, exc)
            return
        if mtime == self._mtime:
            return
        self._mtime = mtime
        try:
            self._config = load_config(self._path).config
        except (ConfigError, OSError) as exc:
            log.error("config %s invalid, keeping the last good one: %s", self._path, exc)
            return
        log.info("config %s reloaded", self._path)

"""The configuration file in force, reloaded on SIGHUP or when the file changes.

Every service holds its configuration in a ``ConfigFile``. A reload loads and validates
the whole file before it replaces the running configuration; a file with mistakes is
refused, every mistake goes to the log, and the running configuration stays. Each
outcome is counted (``<service>_config_reloads_total``), the last one is a gauge
(``<service>_config_last_reload_successful``), and ``status()`` describes it for
``/readyz``. A refused reload does not make a service unready: it keeps working with the
configuration it has, which is the point of refusing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from prometheus_client import Counter, Gauge

from escalations.core.config import Config, ConfigError, load_config

log = logging.getLogger(__name__)
OUTCOMES = ("applied", "refused")
# The readiness answer quotes the refusal; a file with hundreds of mistakes is in the log.
STATUS_ERROR_CHARS = 2000


@dataclass(frozen=True)
class ReloadMetrics:
    """The metrics a service exposes about its configuration reloads."""

    reloads: Counter
    successful: Gauge
    success_at: Gauge


def reload_metrics(service: str) -> tuple[Counter, Gauge, Gauge]:
    """Define ``<service>_config_*`` metrics (call once per process, from its metrics module)."""
    reloads = Counter(
        f"{service}_config_reloads_total",
        "Configuration reloads by outcome (applied, or refused and the running one kept)",
        ["outcome"],
    )
    for outcome in OUTCOMES:
        reloads.labels(outcome)
    # With several intake workers: unhealthy if any live worker refused, newest success wins.
    successful = Gauge(
        f"{service}_config_last_reload_successful",
        "1 if the configuration in force is the file's last version, 0 if that was refused",
        multiprocess_mode="livemin",
    )
    success_at = Gauge(
        f"{service}_config_last_reload_success_timestamp_seconds",
        "When the configuration in force was loaded (start-up or the last applied reload)",
        multiprocess_mode="livemax",
    )
    return reloads, successful, success_at


class ConfigFile:
    """Holds the configuration loaded from ``path`` and swaps in valid new versions."""

    def __init__(
        self,
        path: Path,
        config: Config,
        *,
        metrics: ReloadMetrics | None = None,
        on_change: Callable[[Config], None] | None = None,
    ) -> None:
        self._path = path
        self._config = config
        self._metrics = metrics
        self._on_change = on_change
        # Told every reload's outcome ("applied" or "refused") and the refusal; e.g. the
        # intake's audit log (docs/contract/audit.md). It must not block or raise.
        self.on_outcome: Callable[[str, str | None], None] | None = None
        self._seen = self._stamp()
        self._asked = asyncio.Event()
        self._loaded_at = datetime.now(UTC)
        self._last: str | None = None
        self._error: str | None = None
        if metrics is not None:
            metrics.successful.set(1)
            metrics.success_at.set(self._loaded_at.timestamp())

    @classmethod
    def load(cls, path: Path, *, metrics: ReloadMetrics | None = None) -> ConfigFile:
        """Load ``path`` for the first time; raise ``ConfigError`` if it is invalid."""
        return cls(path, load_config(path).config, metrics=metrics)

    @property
    def config(self) -> Config:
        """Return the configuration in force."""
        return self._config

    def status(self) -> dict[str, str | None]:
        """Describe the configuration in force and the last reload (for ``/readyz``)."""
        return {
            "loaded_at": self._loaded_at.isoformat(),
            "last_reload": self._last,
            "error": None if self._error is None else self._error[:STATUS_ERROR_CHARS],
        }

    def ask(self) -> None:
        """Request a reload at the next check (the SIGHUP handler)."""
        self._asked.set()

    def check(self) -> bool:
        """Reload if asked to or if the file changed; return whether a new one is in force."""
        stamp = self._stamp()
        if not self._asked.is_set() and stamp == self._seen:
            return False
        self._asked.clear()
        self._seen = stamp
        return self.reload()

    def reload(self) -> bool:
        """Load and validate the file; swap it in if valid; return whether it was."""
        try:
            # Coverage gaps are reported for the year from now, as at start-up.
            loaded = load_config(self._path, coverage_from=datetime.now(UTC))
        except (ConfigError, OSError, ValueError) as exc:  # ValueError: say, not UTF-8
            self._refused(exc)
            return False
        self._config = loaded.config
        self._loaded_at = datetime.now(UTC)
        self._last, self._error = "applied", None
        if self._on_change is not None:
            self._on_change(loaded.config)
        if self._metrics is not None:
            self._metrics.reloads.labels("applied").inc()
            self._metrics.successful.set(1)
            self._metrics.success_at.set(self._loaded_at.timestamp())
        for warning in loaded.warnings:
            log.warning("configuration: %s", warning)
        log.info("configuration reloaded from %s", self._path)
        if self.on_outcome is not None:
            self.on_outcome("applied", None)
        return True

    async def watch(self, stop: asyncio.Event, interval: float) -> None:
        """Reload on SIGHUP and on file changes (polled every ``interval`` s) until ``stop``."""
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGHUP, self.ask)
        try:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._asked.wait(), timeout=interval)
                self.check()
        finally:
            loop.remove_signal_handler(signal.SIGHUP)

    def _refused(self, exc: Exception) -> None:
        self._last, self._error = "refused", str(exc)
        if self._metrics is not None:
            self._metrics.reloads.labels("refused").inc()
            self._metrics.successful.set(0)
        log.error(
            "configuration reload refused, keeping the running one; fix %s:\n%s", self._path, exc
        )
        if self.on_outcome is not None:
            self.on_outcome("refused", str(exc))

    def _stamp(self) -> tuple[int, int] | None:
        try:
            info = self._path.stat()
        except OSError:
            return None
        return (info.st_mtime_ns, info.st_size)

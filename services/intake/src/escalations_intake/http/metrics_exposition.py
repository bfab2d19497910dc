"""Metrics with several uvicorn workers: prometheus-client's multiprocess mode.

Each worker writes its counters and histograms to files in ``PROMETHEUS_MULTIPROC_DIR``;
any worker answering ``/metrics`` sums them all. Process metrics (CPU, memory, fds) are
summed over the live workers found in that folder, so dashboards see the whole intake.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from prometheus_client import CollectorRegistry, ProcessCollector, generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

_PID = re.compile(r"_(\d+)\.db$")
_SUMMED = (
    "process_cpu_seconds_total",
    "process_resident_memory_bytes",
    "process_virtual_memory_bytes",
    "process_open_fds",
)


def worker_pids(folder: Path) -> list[int]:
    """Return the live processes that wrote metric files in ``folder``."""
    pids = {int(m.group(1)) for f in folder.glob("*.db") if (m := _PID.search(f.name))}
    return sorted(pid for pid in pids if Path(f"/proc/{pid}").exists())


class WorkersProcessCollector(Collector):
    """Process metrics summed over every live worker (start time: the oldest)."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def collect(self) -> Iterator[Metric]:
        """Yield one family per process metric, summed over the workers."""
        totals: dict[str, float] = {}
        documentation: dict[str, str] = {}
        for pid in worker_pids(self._folder) or [os.getpid()]:
            collector = ProcessCollector(pid=lambda p=pid: p, registry=None)  # type: ignore[misc]  # pid accepts any callable
            for family in collector.collect():
                for sample in family.samples:
                    documentation[sample.name] = family.documentation
                    if sample.name in _SUMMED:
                        totals[sample.name] = totals.get(sample.name, 0.0) + sample.value
                    else:
                        # start time and fd limit: the oldest worker's, the common limit
                        old = totals.get(sample.name)
                        totals[sample.name] = (
                            sample.value if old is None else min(old, sample.value)
                        )
        for name, value in totals.items():
            if name.endswith("_total"):
                yield CounterMetricFamily(
                    name.removesuffix("_total"), documentation[name], value=value
                )
            else:
                yield GaugeMetricFamily(name, documentation[name], value=value)


def exposition(folder: Path) -> bytes:
    """Return the metrics of every worker."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(folder))  # type: ignore[no-untyped-call]  # untyped upstream
    registry.register(WorkersProcessCollector(folder))
    return generate_latest(registry)

"""CPU time of process trees, read from /proc: what a benchmark's processes used."""

from __future__ import annotations

import os
from pathlib import Path


def cpu_seconds(root: int) -> float:
    """Return the CPU time (user + system) of a process and all its descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        times[pid] = (int(fields[11]) + int(fields[12])) / tick
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        tree.update(children)
        frontier.extend(children)
    return sum(times.get(pid, 0.0) for pid in tree)


class CpuMeter:
    """CPU seconds used by each named process tree between start() and stop()."""

    def __init__(self, roots: dict[str, int]) -> None:
        self.roots = roots
        self.used: dict[str, float] = {}

    def start(self) -> None:
        """Note the CPU time so far."""
        self.used = {name: -cpu_seconds(pid) for name, pid in self.roots.items()}

    def stop(self) -> None:
        """Turn the noted times into CPU used since start()."""
        self.used = {name: cpu_seconds(self.roots[name]) + v for name, v in self.used.items()}

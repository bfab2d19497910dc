"""Throwaway run folders, and the sweep that clears those left by a killed launcher."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
from pathlib import Path

from devstack.procs import say

_PREFIX = "devstack-"
_OWNER = "owner.pid"
_CHILDREN = "children.pid"


def make_workdir(parent: Path | None = None) -> Path:
    """Create a fresh run folder under `parent` (default: the temp dir), sweeping stale ones."""
    base = parent or Path(tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    sweep_stale(base)
    path = Path(tempfile.mkdtemp(prefix=_PREFIX, dir=base))
    path.chmod(0o711)  # the postgres user must be able to walk into its own subfolder
    (path / _OWNER).write_text(f"{os.getpid()}\n")
    return path


def record_child(workdir: Path, pid: int) -> None:
    """Note a server's pid so a later sweep can kill it if this launcher dies first."""
    with (workdir / _CHILDREN).open("a") as handle:
        handle.write(f"{pid}\n")


def sweep_stale(base: Path) -> None:
    """Kill the servers of, and remove, run folders whose launcher process is gone."""
    for folder in base.glob(f"{_PREFIX}*"):
        owner = _read_pids(folder / _OWNER)
        if not owner or _alive(owner[0]):
            continue  # not ours, or still in use
        for pid in _read_pids(folder / _CHILDREN):
            _kill_if_runs_in(pid, folder)
        say(f"removing {folder}, left behind by process {owner[0]}")
        shutil.rmtree(folder, ignore_errors=True)


def _read_pids(path: Path) -> list[int]:
    try:
        return [int(line) for line in path.read_text().split() if line.isdigit()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_if_runs_in(pid: int, folder: Path) -> None:
    # The pid may have been reused: only kill a process whose command line names the folder.
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return
    if os.fsencode(folder) in cmdline:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)

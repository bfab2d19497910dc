"""Child processes that never outlive the launcher, plus small helpers shared by the servers."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Coroutine, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


class DevstackError(RuntimeError):
    """A server could not be prepared, started or reached; the message says why and where."""


def say(message: str) -> None:
    """Print one progress line to stderr."""
    print(f"devstack: {message}", file=sys.stderr, flush=True)


def _load_prctl() -> Callable[[int, int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None
    prctl: Callable[[int, int], int] = libc.prctl
    return prctl


# Loaded once in the parent so the forked child only calls a ready function pointer.
_PRCTL = _load_prctl()


def _preexec(death_signal: int | None) -> Callable[[], None] | None:
    if death_signal is None or _PRCTL is None:
        return None
    prctl = _PRCTL

    def die_with_parent() -> None:
        # Runs in the child after the uid switch (which would clear it) and before exec.
        prctl(_PR_SET_PDEATHSIG, death_signal)

    return die_with_parent


def _credentials(user: str | None) -> dict[str, Any]:
    if user is None:
        return {}
    import pwd

    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        raise DevstackError(f"user {user!r} does not exist; install its package") from None
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def spawn(
    argv: Sequence[str],
    *,
    log: Path,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    user: str | None = None,
    death_signal: int = signal.SIGKILL,
) -> subprocess.Popen[bytes]:
    """Start a long-running server in its own session, output appended to `log`."""
    # The kernel sends the parent-death signal when the *thread* that forked exits, so it is
    # only safe from the main thread; elsewhere atexit and the signal handlers must do.
    on_main = threading.current_thread() is threading.main_thread()
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603 - fixed argument lists built by this package
            list(argv),
            cwd=cwd,
            env=None if env is None else dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_preexec(death_signal if on_main else None),
            **_credentials(user),
        )


def run(
    argv: Sequence[str],
    *,
    what: str,
    cwd: Path | None = None,
    user: str | None = None,
    timeout: float = 120.0,
) -> str:
    """Run a short command to completion and return its output; raise naming `what` on failure."""
    try:
        done = subprocess.run(  # noqa: S603 - fixed argument lists built by this package
            list(argv),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            preexec_fn=_preexec(signal.SIGKILL),
            **_credentials(user),
        )
    except subprocess.TimeoutExpired as exc:
        raise DevstackError(f"{what} did not finish in {timeout:g} s: {' '.join(argv)}") from exc
    except FileNotFoundError as exc:
        raise DevstackError(f"{what}: command not found: {argv[0]}") from exc
    output = (done.stdout or "") + (done.stderr or "")
    if done.returncode != 0:
        raise DevstackError(
            f"{what} failed with exit code {done.returncode}: {' '.join(argv)}\n{_last(output)}"
        )
    return output


def request_stop(proc: subprocess.Popen[bytes], sig: int) -> None:
    """Send `sig` to a child that is still running; return at once."""
    if proc.poll() is None:
        proc.send_signal(sig)


def finish_stop(proc: subprocess.Popen[bytes], timeout: float) -> None:
    """Wait up to `timeout` s for a signalled child, then SIGKILL it and its whole group."""
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        say(f"pid {proc.pid} did not stop in {timeout:g} s; killing it")
    # Kill what is left of the group too: server helpers (postgres backends) share it.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def tail(path: Path, lines: int = 20) -> str:
    """Return the last `lines` lines of a log file, or a note that it does not exist."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return f"({path} was not written)"
    return _last(text, lines) or "(the log is empty)"


def _last(text: str, lines: int = 20) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def apt_install(packages: Sequence[str], *, missing: str) -> None:
    """Install Debian packages when root, else raise saying what is `missing` and how to add it."""
    hint = f"{missing}; install it with: apt-get install -y {' '.join(packages)}"
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise DevstackError(hint)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (
        ["apt-get", "update"],
        ["apt-get", "install", "-y", "--no-install-recommends", *packages],
    ):
        say(f"{missing}; running: {' '.join(argv)}")
        done = subprocess.run(argv, env=env, stdout=sys.stderr, check=False)  # noqa: S603
        if done.returncode != 0:
            raise DevstackError(f"{' '.join(argv)} failed with exit code {done.returncode}; {hint}")


def run_coroutine(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion from sync code, also when called inside a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    # A loop is running in this thread (an async fixture): give the coroutine its own thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(factory())).result()

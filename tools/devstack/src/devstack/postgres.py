"""A throwaway PostgreSQL cluster from the Debian binaries, on a free loopback port."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from devstack.ports import LOOPBACK, free_port
from devstack.procs import (
    DevstackError,
    apt_install,
    finish_stop,
    request_stop,
    run,
    spawn,
    tail,
)

# Debian's standard location: /usr/lib/postgresql/<major>/bin.
PG_ROOT = Path("/usr/lib/postgresql")
DATABASE = "escalations"
SUPERUSER = "postgres"
_SERVICE_USER = "postgres"  # initdb and postgres refuse to run as root
_UNIX_SOCKET_MAX = 100  # sun_path holds 108 bytes, including the ".s.PGSQL.<port>" name
_STOP_TIMEOUT_S = 10.0
_POLL_S = 0.05
_NOT_DURABLE = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


@dataclass(frozen=True)
class PreparedPostgres:
    """An initialised data folder, ready to start."""

    folder: Path
    bindir: Path
    user: str | None

    @property
    def log(self) -> Path:
        """Return the server log file."""
        return self.folder.parent / "postgres.log"


@dataclass
class PostgresServer:
    """A running server started by `launch_postgres`."""

    prepared: PreparedPostgres
    process: subprocess.Popen[bytes]
    port: int
    # Readiness deadlines count from here, not from preparation (Maven, format, initdb).
    started_at: float = field(default_factory=time.monotonic)

    @property
    def database_url(self) -> str:
        """Return the SQLAlchemy URL of the `escalations` database."""
        return f"postgresql+asyncpg://{SUPERUSER}@{LOOPBACK}:{self.port}/{DATABASE}"

    def request_stop(self) -> None:
        """Ask for a fast shutdown (SIGINT, what `pg_ctl stop -m fast` sends); return at once."""
        request_stop(self.process, signal.SIGINT)

    def finish_stop(self) -> None:
        """Wait for the server to exit, killing its process group if it hangs."""
        finish_stop(self.process, _STOP_TIMEOUT_S)

    def stop(self) -> None:
        """Stop the server and wait for it."""
        self.request_stop()
        self.finish_stop()


def find_bindir(root: Path = PG_ROOT) -> Path | None:
    """Return the bin folder of the newest installed PostgreSQL major version, if any."""
    majors = [
        path
        for path in root.glob("*")
        if re.fullmatch(r"\d+", path.name) and (path / "bin" / "initdb").is_file()
    ]
    if not majors:
        return None
    return max(majors, key=lambda path: int(path.name)) / "bin"


def ensure_bindir(root: Path = PG_ROOT) -> Path:
    """Return the PostgreSQL bin folder, installing the Debian package when none is found."""
    bindir = find_bindir(root)
    if bindir is None:
        apt_install(["postgresql"], missing=f"no PostgreSQL server binaries in {root}/*/bin")
        bindir = find_bindir(root)
    if bindir is None:
        raise DevstackError(f"installed postgresql but found no {root}/<major>/bin/initdb")
    return bindir


def service_user() -> str | None:
    """Return the user to run the server as: `postgres` when we are root, else ourselves."""
    return _SERVICE_USER if os.geteuid() == 0 else None


def prepare_postgres(folder: Path, bindir: Path | None = None) -> PreparedPostgres:
    """Create `folder` owned by the server's user and initialise a cluster in it."""
    bindir = bindir or ensure_bindir()
    user = service_user()
    if len(str(folder)) > _UNIX_SOCKET_MAX - len("/.s.PGSQL.65535"):
        raise DevstackError(f"{folder} is too long for a Unix socket path; use a shorter workdir")
    folder.mkdir(parents=True, mode=0o700)
    if user is not None:
        shutil.chown(folder, user=user, group=user)
        _check_reachable(folder, user)
    prepared = PreparedPostgres(folder=folder, bindir=bindir, user=user)
    initdb = [
        str(bindir / "initdb"),
        *("-D", str(folder / "data"), "-U", SUPERUSER, "-E", "UTF8", "--no-locale"),
        *("--auth=trust", "--no-sync"),
    ]
    run(initdb, what="PostgreSQL initdb", cwd=folder, user=user)
    return prepared


def _check_reachable(folder: Path, user: str) -> None:
    # The server's user must be able to walk down to its folder; mkdtemp makes 0700 folders.
    for parent in folder.parents:
        if not parent.stat().st_mode & 0o001:
            raise DevstackError(
                f"user {user!r} cannot reach {folder}: {parent} is not searchable by others; "
                "choose a workdir under /tmp or chmod o+x that folder"
            )


def launch_postgres(
    prepared: PreparedPostgres, *, durable: bool = False, port: int | None = None
) -> PostgresServer:
    """Start the server process without waiting for it (see `wait_postgres_ready`).

    ``durable=False`` trades crash safety for speed (tests only); ``port`` restarts a server
    on the address its clients already have.
    """
    port = port or free_port()
    settings = [f"listen_addresses={LOOPBACK}", "max_connections=200"]
    if not durable:
        settings.extend(_NOT_DURABLE)
    argv = [
        str(prepared.bindir / "postgres"),
        *("-D", str(prepared.folder / "data"), "-p", str(port), "-k", str(prepared.folder)),
        *(arg for setting in settings for arg in ("-c", setting)),
    ]
    process = spawn(
        argv,
        log=prepared.log,
        cwd=prepared.folder,
        user=prepared.user,
        # Immediate shutdown: the server tells its backends to quit and frees shared memory.
        death_signal=signal.SIGQUIT,
    )
    return PostgresServer(prepared=prepared, process=process, port=port)


def wait_postgres_ready(server: PostgresServer, timeout: float, *, create: bool = True) -> None:
    """Block until the server accepts connections, then create the `escalations` database."""
    deadline = server.started_at + timeout
    bindir, log = server.prepared.bindir, server.prepared.log
    address = ("-h", LOOPBACK, "-p", str(server.port), "-U", SUPERUSER)
    while True:
        code = server.process.poll()
        if code is not None:
            raise DevstackError(
                f"PostgreSQL exited with code {code} before it was ready; log: {log}\n{tail(log)}"
            )
        probe = subprocess.run(  # noqa: S603 - fixed argument list
            [str(bindir / "pg_isready"), *address, "-t", "1"],
            capture_output=True,
            check=False,
        )
        if probe.returncode == 0:
            break
        if time.monotonic() >= deadline:
            raise DevstackError(
                f"PostgreSQL did not start in {timeout:g} s; log: {log}\n{tail(log)}"
            )
        time.sleep(_POLL_S)
    if create:
        run([str(bindir / "createdb"), *address, DATABASE], what=f"createdb {DATABASE}")

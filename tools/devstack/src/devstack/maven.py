"""Resolve the Kafka broker jars from Maven Central once, into a cache reused across runs."""

from __future__ import annotations

import fcntl
import hashlib
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from devstack.procs import DevstackError, apt_install, run, say

_PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # tools/devstack
KAFKA_DIR = _PACKAGE_ROOT / "kafka"
POM = KAFKA_DIR / "pom.xml"
LOG4J_CONFIG = KAFKA_DIR / "log4j2.properties"
DEFAULT_CACHE = _PACKAGE_ROOT.parents[1] / ".cache" / "devstack"
# Pinned: Maven 3.8 would otherwise pick dependency-plugin 2.8, which lacks includeScope fixes.
_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
_MAVEN_TIMEOUT_S = 900.0


def kafka_version(pom: Path = POM) -> str:
    """Return the Kafka version pinned in the checked-in pom.xml."""
    match = re.search(r"<kafka\.version>\s*([^<\s]+)\s*</kafka\.version>", pom.read_text())
    if match is None:
        raise DevstackError(f"{pom} has no <kafka.version> property")
    return match.group(1)


def kafka_home(cache_root: Path | None = None) -> Path:
    """Return the cache folder for the pinned Kafka version (it may not exist yet)."""
    return (cache_root or DEFAULT_CACHE) / f"kafka-{kafka_version()}"


def kafka_libs(cache_root: Path | None = None) -> Path:
    """Return the folder holding every broker jar, resolving them with Maven on first use."""
    home = kafka_home(cache_root)
    libs = home / "kafka-libs"
    marker = home / "complete"
    # The marker holds the pom's hash: a changed pom (say, a new log4j) resolves again.
    stamp = hashlib.sha256(POM.read_bytes()).hexdigest()
    if _is_complete(marker, stamp, libs):
        return libs
    home.mkdir(parents=True, exist_ok=True)
    with _locked(home / ".lock"):
        if _is_complete(marker, stamp, libs):  # another process finished while we waited
            return libs
        marker.unlink(missing_ok=True)
        shutil.rmtree(libs, ignore_errors=True)  # a half-finished copy is redone from scratch
        _copy_dependencies(libs)
        marker.write_text(stamp)
    return libs


def _is_complete(marker: Path, stamp: str, libs: Path) -> bool:
    return marker.is_file() and marker.read_text() == stamp and libs.is_dir()


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _copy_dependencies(libs: Path) -> None:
    mvn = find_tool("mvn", package="maven")
    find_tool("java", package="default-jre-headless")
    say(f"resolving Kafka {kafka_version()} jars with Maven into {libs}")
    started = time.monotonic()
    run(
        [
            mvn,
            "-q",
            "-B",
            "-f",
            str(POM),
            f"{_PLUGIN}:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={libs}",
        ],
        what="Maven resolve of the Kafka jars",
        timeout=_MAVEN_TIMEOUT_S,
    )
    jars = list(libs.glob("*.jar"))
    if not any(jar.name.startswith("kafka_2.13-") for jar in jars):
        raise DevstackError(f"Maven finished but {libs} holds no kafka_2.13 jar; see {POM}")
    say(f"resolved {len(jars)} jars in {time.monotonic() - started:.1f} s")


def find_tool(name: str, *, package: str) -> str:
    """Return the path of a command, installing its Debian package when it is missing."""
    found = shutil.which(name)
    if found is None:
        apt_install([package], missing=f"{name} is not on PATH")
        found = shutil.which(name)
    if found is None:
        raise DevstackError(f"{name} is still not on PATH after installing {package}")
    return found

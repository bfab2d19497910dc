"""Command line: `python -m devstack up|fetch`."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from devstack.kafka import JVM_BENCH, JVM_FAST
from devstack.maven import kafka_libs
from devstack.procs import DevstackError, say
from devstack.stack import Stack, start_stack
from devstack.topics import TopicSpecLike, load_specs


class _Stop(Exception):
    """Raised by the signal handler to leave the wait loop."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="start Kafka and PostgreSQL until SIGINT/SIGTERM")
    up.add_argument("--env-file", type=Path, help="also write the variables to this file")
    up.add_argument("--topics", help="topic specs to create, as module:ATTRIBUTE")
    up.add_argument("--workdir", type=Path, help="parent of the throwaway folder")
    up.add_argument("--no-kafka", action="store_true", help="do not start Kafka")
    up.add_argument("--no-postgres", action="store_true", help="do not start PostgreSQL")
    up.add_argument("--bench", action="store_true", help="G1 and 1 GiB heap, durable Postgres")
    commands.add_parser("fetch", help="only resolve the Kafka jars into the cache")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "fetch":
            print(kafka_libs())
            return 0
        specs: Sequence[TopicSpecLike] = load_specs(args.topics) if args.topics else ()
        return _up(args, specs)
    except (DevstackError, ValueError) as exc:
        print(f"devstack: error: {exc}", file=sys.stderr)
        return 1


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop(signal.Signals(signum).name)


def _up(args: argparse.Namespace, specs: Sequence[TopicSpecLike]) -> int:
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_stop)
    stack: Stack | None = None
    try:
        stack = start_stack(
            args.workdir,
            kafka=not args.no_kafka,
            postgres=not args.no_postgres,
            topics=specs,
            kafka_jvm=JVM_BENCH if args.bench else JVM_FAST,
            durable=args.bench,
        )
        lines = "".join(f"{name}={value}\n" for name, value in stack.env().items())
        sys.stdout.write(lines)
        sys.stdout.flush()
        if args.env_file is not None:
            _write_atomically(args.env_file, lines)
        say("up; press Ctrl-C to stop")
        while stack.alive():
            time.sleep(0.5)
        say("a server exited on its own; see the logs under the work folder")
        return 1
    except (_Stop, KeyboardInterrupt):
        return 0
    finally:
        # Ignore further signals so a second Ctrl-C cannot interrupt the teardown.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        if stack is not None:
            stack.stop()
        if args.env_file is not None:
            args.env_file.unlink(missing_ok=True)


def _write_atomically(path: Path, text: str) -> None:
    # A watcher (make run) must never read half a file.
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text)
    os.replace(partial, path)


if __name__ == "__main__":
    sys.exit(main())

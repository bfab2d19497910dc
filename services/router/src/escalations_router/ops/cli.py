"""The ``escalations-router`` command for operators: ``deadletter list`` and ``deadletter replay``.

    escalations-router deadletter list [--since 2026-12-01T00:00:00Z] [--limit 100]
    escalations-router deadletter replay --offset 7 [--offset 9] | --all [--dry-run]

Settings come from the environment like the router's (``KAFKA_BOOTSTRAP_SERVERS``,
``DATABASE_URL``). Exit codes: 0 done, 1 nothing done for some dead letter asked for,
2 bad settings or usage, or Kafka or Postgres unreachable.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TextIO

import asyncpg
from aiokafka.errors import KafkaError
from pydantic import ValidationError

from escalations.cli.text import clean
from escalations.kafka import make_producer
from escalations.settings import InfraSettings
from escalations_router.ops.letters import DeadLetter, NotReplayable, replay_event_id, replay_value
from escalations_router.ops.listing import as_json, render
from escalations_router.ops.replay import read_letters, replay_one, replayed
from escalations_router.postgres.db import dsn

OK, PARTIAL, USAGE = 0, 1, 2
_STAMP = "%Y-%m-%dT%H:%M:%SZ"


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a date/time; write e.g. 2026-12-01T00:00:00Z"
        ) from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"'{text}' has no time zone; add Z or an offset")
    return value


def parser() -> argparse.ArgumentParser:
    """Return the command line parser."""
    root = argparse.ArgumentParser(
        prog="escalations-router",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    area = root.add_subparsers(dest="area", required=True).add_parser(
        "deadletter", help="the router's dead letters (escalations.deadletter.v1)"
    )
    sub = area.add_subparsers(dest="command", required=True)
    listing = sub.add_parser("list", help="show dead letters, oldest first, with the error")
    listing.add_argument("--since", type=_instant, help="only those parked from this instant")
    listing.add_argument("--limit", type=int, default=100, help="at most this many, the newest")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    replay = sub.add_parser("replay", help="publish dead letters to the intake topic again, once")
    group = replay.add_mutually_exclusive_group(required=True)
    group.add_argument("--offset", type=int, action="append", dest="offsets",
                       help="a dead letter's offset, from `list` (repeatable)")  # fmt: skip
    group.add_argument("--all", action="store_true", help="every dead letter not replayed yet")
    replay.add_argument(
        "--dry-run", action="store_true", help="say what would be sent; send nothing"
    )
    return root


async def run(settings: InfraSettings, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Execute one command against Kafka and Postgres; return the exit code."""
    since = args.since if args.command == "list" else None
    letters, problems = await read_letters(settings.kafka_bootstrap_servers, since)
    for problem in problems:
        err.write(f"skipped a record that is not a dead letter: {clean(problem)}\n")
    connection = await asyncpg.connect(dsn(settings.database_url))
    try:
        done = await replayed(connection)
        if args.command == "list":
            shown = letters[-args.limit :] if args.limit > 0 else []
            if args.format == "json":
                out.write(as_json(shown, done))
            else:
                out.write(render(shown, done) if shown else "no dead letters\n")
            return OK
        return await _replay(connection, settings, args, letters, done, (out, err))
    finally:
        await connection.close()


async def _replay(
    connection: asyncpg.Connection,
    settings: InfraSettings,
    args: argparse.Namespace,
    letters: list[DeadLetter],
    done: dict[tuple[int, int], Any],
    streams: tuple[TextIO, TextIO],
) -> int:
    out, err = streams
    by_offset = {letter.offset: letter for letter in letters}
    if args.all:
        wanted = [d for d in letters if (d.partition, d.offset) not in done]
        code = OK
    else:
        missing = [o for o in args.offsets if o not in by_offset]
        for offset in missing:
            err.write(f"offset {offset}: no such dead letter (see `deadletter list`)\n")
        wanted = [by_offset[o] for o in dict.fromkeys(args.offsets) if o in by_offset]
        code = PARTIAL if missing else OK
    if not wanted:
        out.write("nothing to replay\n")
        return code
    producer = (
        None
        if args.dry_run
        else make_producer(settings.kafka_bootstrap_servers, "router-deadletter-replay")
    )
    if producer is not None:
        await producer.start()
    try:
        for letter in wanted:
            code = max(code, await _one(connection, producer, letter, done, out, err))
    finally:
        if producer is not None:
            await producer.stop()
    return code


async def _one(
    connection: asyncpg.Connection,
    producer: Any,
    letter: DeadLetter,
    done: dict[tuple[int, int], Any],
    out: TextIO,
    err: TextIO,
) -> int:
    kind, key = clean(letter.event_type or letter.reason, 80), clean(letter.key or "-", 80)
    what = f"offset {letter.offset} ({kind} for {key})"
    try:
        replay_value(letter)
    except NotReplayable as error:
        err.write(f"{what}: cannot replay: {error}\n")
        return PARTIAL
    earlier = done.get((letter.partition, letter.offset))
    if producer is None:
        if earlier is not None:
            out.write(
                f"{what}: already replayed at {earlier['replayed_at']:{_STAMP}}; "
                "would send nothing\n"
            )
            return PARTIAL
        out.write(f"{what}: would replay as event {replay_event_id(letter)}\n")
        return OK
    stamp = await replay_one(connection, producer, letter)
    if stamp is not None:
        err.write(f"{what}: already replayed at {stamp:{_STAMP}}; sent nothing\n")
        return PARTIAL
    out.write(f"{what}: replayed as event {replay_event_id(letter)}\n")
    return OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``escalations-router``; exit 2 on bad settings, usage or infrastructure."""
    args = parser().parse_args(argv)
    try:
        settings = InfraSettings()
    except ValidationError as exc:
        print(f"escalations-router: bad settings:\n{exc}", file=sys.stderr)
        return USAGE
    try:
        return asyncio.run(run(settings, args, sys.stdout, sys.stderr))
    except asyncpg.UndefinedTableError:
        print(
            "escalations-router: the database schema is behind; run "
            "`python -m escalations.setup` first",
            file=sys.stderr,
        )
    except (KafkaError, OSError, asyncpg.PostgresError, TimeoutError) as exc:
        # Nothing was recorded or sent that a run once they are back would not redo.
        print(f"escalations-router: Kafka or Postgres failed: {exc!r}", file=sys.stderr)
    return USAGE


if __name__ == "__main__":
    sys.exit(main())

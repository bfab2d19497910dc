"""``escalations audit export|verify``: copy the audit log out, and check its hash chain.

``export [--since T] [--until T]`` writes the entries as JSON lines in seq order (one object
per line, the fields of docs/contract/audit.md). ``verify`` recomputes the chain from the
database (or from an export with ``--file``) and exits 0 with ``ok: N entries``, or 1 naming
the first broken entry. Postgres is ``DATABASE_URL``, as for every other command.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from escalations.audit.chain import ChainProblem, Entry, Verifier, hashed_fields
from escalations.audit.store import AuditQuery, iterate
from escalations.cli.text import clean
from escalations.db.engine import make_engine
from escalations.settings import DatabaseSettings

OK, BROKEN, USAGE = 0, 1, 2


def run(argv: Sequence[str], out: TextIO, err: TextIO, database_url: str | None = None) -> int:
    """Run ``audit export`` or ``audit verify``; return the exit code."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage or the help
        return USAGE if exc.code else OK
    if args.command == "verify" and args.file is not None:
        try:
            return _report(_verify_file(args.file, err), out, err)
        except (OSError, UnicodeDecodeError, _NotAnExport) as exc:
            err.write(f"escalations audit verify: {clean(str(exc))}\n")
            return USAGE
    try:
        url = database_url if database_url is not None else DatabaseSettings().database_url
        if args.command == "export":
            return asyncio.run(_export(url, AuditQuery(since=args.since, until=args.until), out))
        return _report(asyncio.run(_verify_database(url)), out, err)
    except (ValidationError, OSError, SQLAlchemyError) as exc:
        err.write(f"escalations audit: cannot read the audit log: {clean(str(exc))}\n")
        return USAGE


def line(entry: Entry) -> str:
    """Return an entry as one line of JSON (hashed fields, then the two hashes)."""
    fields = {**hashed_fields(entry), "prev_hash": entry.prev_hash, "hash": entry.hash}
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def parse_line(text: str) -> Entry:
    """Return the entry of one exported line (ValueError or KeyError if it is not one)."""
    data: dict[str, Any] = json.loads(text)
    return Entry(
        seq=int(data["seq"]),
        at=datetime.fromisoformat(data["at"]),
        actor=data["actor"],
        action=data["action"],
        subject_kind=data["subject_kind"],
        subject_id=data["subject_id"],
        detail=data["detail"],
        client_address=data["client_address"],
        user_agent=data["user_agent"],
        prev_hash=data["prev_hash"],
        hash=data["hash"],
    )


async def _export(url: str, query: AuditQuery, out: TextIO) -> int:
    engine = make_engine(url, pool_size=1)
    try:
        async for entry in iterate(engine, query):
            out.write(line(entry) + "\n")
    finally:
        await engine.dispose()
    return OK


async def _verify_database(url: str) -> tuple[int, list[ChainProblem]]:
    engine = make_engine(url, pool_size=1)
    verifier, problems = Verifier(), []
    try:
        async for entry in iterate(engine):
            if (problem := verifier.check(entry)) is not None:
                problems.append(problem)
    finally:
        await engine.dispose()
    return verifier.count, problems


def _verify_file(path: Path, err: TextIO) -> tuple[int, list[ChainProblem]]:
    """Verify an export; one that starts after seq 1 (``--since``) is checked from its first."""
    verifier: Verifier | None = None
    problems = []
    for entry in _read(path):
        if verifier is None:
            if entry.seq != 1:
                err.write(f"partial export: checking from entry {entry.seq} on\n")
            verifier = Verifier(entry.seq, entry.prev_hash)
        if (problem := verifier.check(entry)) is not None:
            problems.append(problem)
    return (0 if verifier is None else verifier.count), problems


class _NotAnExport(Exception):
    """A line of the file is not an exported entry (exit code 2)."""


def _read(path: Path) -> Iterator[Entry]:
    with path.open(encoding="utf-8") as lines:
        for number, text in enumerate(lines, 1):
            if text.strip():
                try:
                    yield parse_line(text)
                except (ValueError, KeyError, TypeError) as exc:
                    raise _NotAnExport(f"{path}:{number}: not an audit entry ({exc})") from None


def _report(result: tuple[int, list[ChainProblem]], out: TextIO, err: TextIO) -> int:
    count, problems = result
    if not problems:
        out.write(f"ok: {count} entries\n")
        return OK
    first = problems[0]
    err.write(f"broken at entry {first.seq}: {clean(first.message)}\n")
    for other in problems[1:]:
        err.write(f"also entry {other.seq}: {clean(other.message)}\n")
    return BROKEN


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="escalations audit", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export", help="write the log as JSON lines, in seq order")
    export.add_argument("--since", type=_instant, help="from this instant, e.g. 2026-12-01T00:00Z")
    export.add_argument("--until", type=_instant, help="before this instant")
    check = commands.add_parser("verify", help="check the hash chain; exit 1 if it is broken")
    check.add_argument("--file", type=Path, help="check an export instead of the database")
    return parser


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs a time zone, e.g. {text}Z")
    return value

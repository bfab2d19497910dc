"""List and replay parked deliveries: ``python -m escalations_notifier.dlq list|replay``.

Replaying hands a parked delivery back to the ledger's retry queue (``dead_lettered`` ->
``retrying``) in one conditional update, so a delivery is replayed at most once per
parking and never if it was sent. A running notifier sends it within a poll interval.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from escalations.db.engine import make_engine
from escalations.settings import DatabaseSettings
from escalations_notifier.ledger import Key, Ledger, Stored

LEASE_UNUSED = 60.0


def delivery_id(key: Key) -> str:
    """Return the short, stable id the CLI shows for a delivery."""
    return hashlib.sha256("\x1f".join(key).encode()).hexdigest()[:12]


def _table(rows: Sequence[Stored]) -> str:
    header = ("id", "parked_at", "channel", "recipient", "escalation", "attempts", "last_error")
    lines = ["  ".join(header)]
    for row in rows:
        parked = row.updated_at.isoformat(timespec="seconds") if row.updated_at else "-"
        fields = (delivery_id(row.key), parked, row.key[2], row.key[1], row.escalation_id,
                  str(row.attempts), row.last_error or "")  # fmt: skip
        lines.append("  ".join(fields))
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m escalations_notifier.dlq", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="show parked deliveries, newest first")
    replay = sub.add_parser("replay", help="send parked deliveries again (through the ledger)")
    group = replay.add_mutually_exclusive_group(required=True)
    group.add_argument("--id", action="append", dest="ids", help="a delivery id from `list`")
    group.add_argument("--all", action="store_true", help="every parked delivery")
    return parser


async def run(database_url: str, args: argparse.Namespace) -> int:
    """Execute one CLI command against the ledger; return the exit code."""
    engine = make_engine(database_url, pool_size=1)
    try:
        ledger = Ledger(engine, LEASE_UNUSED)
        parked = await ledger.dead_lettered(limit=100_000)
        if args.command == "list":
            print(_table(parked) if parked else "no parked deliveries")
            return 0
        by_id = {delivery_id(row.key): row.key for row in parked}
        wanted = list(by_id) if args.all else list(args.ids)
        unknown = [i for i in wanted if i not in by_id]
        if unknown:
            print(f"not parked (unknown, already replayed or sent): {', '.join(unknown)}",
                  file=sys.stderr)  # fmt: skip
            return 1
        replayed = await ledger.replay([by_id[i] for i in wanted])
        print(f"replayed {len(replayed)} deliveries: {', '.join(map(delivery_id, replayed))}")
        return 0
    finally:
        await engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; exit 2 on bad settings."""
    args = _parser().parse_args(argv)
    try:
        settings = DatabaseSettings()
    except ValidationError as exc:
        print(f"dlq: bad settings:\n{exc}", file=sys.stderr)
        return 2
    return asyncio.run(run(settings.database_url, args))


if __name__ == "__main__":
    sys.exit(main())

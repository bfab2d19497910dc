"""Print a team's on-call shifts for a window, so a person can check a rotation by eye.

    python -m escalations.cli.oncall --team ts-dublin \\
        --from 2026-12-24T00:00:00Z --to 2026-12-27T00:00:00Z --tz Europe/Dublin
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TextIO
from zoneinfo import ZoneInfo

from escalations.core.config import (
    Config,
    ConfigError,
    UnknownIdError,
    demo_config_path,
    load_config,
)
from escalations.core.config_types import check_zone, zone
from escalations.core.shifts import Shift, shifts

USAGE_ERROR = 2
DEFAULT_DAYS = 7


class _Usage(Exception):
    """A mistake in the command line, reported with exit code 2."""


def _instant(text: str, flag: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise _Usage(
            f"{flag}: '{text}' is not a date/time; write e.g. 2026-12-24T00:00:00Z"
        ) from None
    if value.tzinfo is None:
        raise _Usage(f"{flag}: '{text}' has no time zone; add Z or an offset like +01:00")
    return value


def _zone(text: str) -> ZoneInfo:
    try:
        return zone(check_zone(text))
    except ValueError as error:
        raise _Usage(f"--tz: {error}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m escalations.cli.oncall",
        description="Print the on-call shifts of a team for a window.",
    )
    parser.add_argument("--team", required=True, help="team id, e.g. ts-dublin")
    parser.add_argument(
        "--from", dest="start", help="window start, ISO 8601 with zone (default now)"
    )
    parser.add_argument(
        "--to", dest="end", help=f"window end (default start + {DEFAULT_DAYS} days)"
    )
    parser.add_argument("--config", help="configuration YAML (default: the shipped demo)")
    parser.add_argument("--tz", default="UTC", help="zone to print times in (default UTC)")
    return parser


def render(config: Config, found: Sequence[Shift], tz: ZoneInfo) -> str:
    """Return a plain-text table of shifts with times in ``tz``."""
    rows = [("start", "end", "person", "layer")]
    for shift in found:
        name = config.people_by_id[shift.person].name
        who = f"{name} ({shift.person})"
        if shift.covering:
            who += f" covering {shift.covering}"
        rows.append((_time(shift.start, tz), _time(shift.end, tz), who, shift.layer))
    if len(rows) == 1:
        return "nobody is on duty in this window\n"
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in rows]  # fmt: skip
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines) + "\n"


def _time(value: datetime, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%a %Y-%m-%d %H:%M %Z")


def run(argv: Sequence[str], out: TextIO, err: TextIO, now: datetime) -> int:
    """Run the command; return the exit code (2 for usage or configuration mistakes)."""
    args = _parser().parse_args(argv)
    try:
        tz = _zone(args.tz)
        start = _instant(args.start, "--from") if args.start else now
        end = _instant(args.end, "--to") if args.end else start + timedelta(days=DEFAULT_DAYS)
        if end <= start:
            raise _Usage(f"--to {end.isoformat()} must be after --from {start.isoformat()}")
        config = load_config(args.config or demo_config_path()).config
        found = shifts(config, args.team, start, end)
    except (_Usage, ConfigError) as error:
        err.write(f"error: {error}\n")
        return USAGE_ERROR
    except UnknownIdError as error:
        err.write(f"error: --team: {error.args[0]}\n")
        return USAGE_ERROR
    team = config.team(args.team)
    out.write(f"{team.name} ({team.id}): {_time(start, tz)} to {_time(end, tz)}\n\n")
    out.write(render(config, found, tz))
    return 0


def main() -> None:
    """Entry point: read the clock only for the default window start."""
    sys.exit(run(sys.argv[1:], sys.stdout, sys.stderr, datetime.now(UTC)))


if __name__ == "__main__":
    main()

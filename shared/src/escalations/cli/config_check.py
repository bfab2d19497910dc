"""``escalations config check FILE``: validate a configuration and list coverage gaps.

Every mistake is printed with its line and a fix, then each team's uncovered windows for
the next weeks (public holidays and clock changes included). Meant for a configuration
repository's CI as much as for a person at a terminal. Exit codes (docs/operations.md):
0 valid, 1 mistakes (or coverage gaps with ``--strict``), 2 usage error or unreadable file.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

import orjson

from escalations.cli.text import MAX_MESSAGE_CHARS, clean
from escalations.core.config import Config, ConfigError, ConfigIssue, loads_config
from escalations.core.config_types import zone
from escalations.core.coverage import Gap, gaps

OK, INVALID, USAGE = 0, 1, 2
DEFAULT_WEEKS = 8
MAX_WEEKS = 104


class UsageError(Exception):
    """A mistake in the command line or an unreadable file: exit code 2."""


@dataclass(frozen=True)
class TeamGaps:
    """One team's uncovered windows in the checked span."""

    team: str
    name: str
    timezone: str | None
    gaps: tuple[Gap, ...]


@dataclass(frozen=True)
class Report:
    """The outcome of a check: mistakes, or a valid file's coverage."""

    file: str
    errors: tuple[ConfigIssue, ...]
    start: datetime
    end: datetime
    teams: tuple[TeamGaps, ...] = ()

    @property
    def gap_count(self) -> int:
        """Return how many uncovered windows all teams have together."""
        return sum(len(team.gaps) for team in self.teams)

    def exit_code(self, strict: bool) -> int:
        """Return 1 for mistakes (or, with ``strict``, gaps), else 0."""
        return INVALID if self.errors or (strict and self.gap_count) else OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's arguments on ``parser``."""
    parser.add_argument("file", help="the configuration YAML to check")
    parser.add_argument(
        "--weeks", type=int, default=DEFAULT_WEEKS,
        help=f"how many weeks of coverage to list (default {DEFAULT_WEEKS}, at most {MAX_WEEKS})",
    )  # fmt: skip
    parser.add_argument(
        "--from", dest="start", metavar="DATE",
        help="first day of the coverage listing, e.g. 2026-10-19 (default: today, UTC)",
    )  # fmt: skip
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a team has an uncovered window too"
    )


def check(file: str, text: str, start: datetime, weeks: int) -> Report:
    """Validate configuration text; list each team's gaps in ``weeks`` from ``start``."""
    end = start + timedelta(weeks=weeks)
    try:
        config = loads_config(text, source=file, coverage_from=start).config
    except ConfigError as error:
        return Report(file, error.issues, start, end)
    return Report(file, (), start, end, team_gaps(config, start, end))


def team_gaps(config: Config, start: datetime, end: datetime) -> tuple[TeamGaps, ...]:
    """Return every team's uncovered windows within [start, end)."""
    return tuple(
        TeamGaps(
            team.id,
            team.name,
            team.schedule.layers[0].timezone if team.schedule.layers else None,
            tuple(gaps(team, start, end)),
        )
        for team in config.teams
    )


def run(argv: Sequence[str], out: TextIO, err: TextIO, today: date) -> int:
    """Parse ``argv`` (after ``config check``), check the file, print; return the exit code."""
    parser = argparse.ArgumentParser(prog="escalations config check", description=__doc__)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        start = _day(args.start) if args.start else today
        if not 1 <= args.weeks <= MAX_WEEKS:
            raise UsageError(f"--weeks: {args.weeks} is out of range; use 1 to {MAX_WEEKS}")
        text = _read(args.file)
    except UsageError as error:
        err.write(f"escalations config check: {clean(str(error))}\n")
        return USAGE
    instant = datetime(start.year, start.month, start.day, tzinfo=UTC)
    report = check(args.file, text, instant, args.weeks)
    code = report.exit_code(args.strict)
    out.write(as_json(report, code) if args.format == "json" else as_text(report))
    return code


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--from: '{text}' is not a date; write it like 2026-10-19") from None


def _read(file: str) -> str:
    try:
        return Path(file).read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise UsageError(f"{file}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except OSError as error:
        raise UsageError(f"{file}: cannot read the file: {error.strerror}") from None


def _message(issue: ConfigIssue) -> str:
    return clean(issue.message, MAX_MESSAGE_CHARS, keep_newlines=True)


def as_text(report: Report) -> str:
    """Render a report for a terminal or a CI log."""
    file = clean(report.file)
    if report.errors:
        lines = [f"{file}: {len(report.errors)} mistake(s)"]
        for issue in report.errors:
            where = f"line {issue.line}: " if issue.line is not None else ""
            lines.append(f"  {where}{clean(issue.path)}: {_message(issue)}")
        return "\n".join(lines) + "\n"
    lines = [
        f"{file}: valid",
        f"coverage from {report.start:%Y-%m-%d} to {report.end:%Y-%m-%d} (times in UTC, "
        "then the team's first layer's zone):",
    ]
    for team in report.teams:
        if not team.gaps:
            lines.append(f"  {team.team}: someone is on duty at every moment")
            continue
        lines.append(f"  {team.team}: {len(team.gaps)} uncovered window(s)")
        lines += [f"    {_gap_text(gap, team.timezone)}" for gap in team.gaps]
    return "\n".join(lines) + "\n"


def _gap_text(gap: Gap, timezone: str | None) -> str:
    text = f"{gap.start:%a %Y-%m-%d %H:%M} to {gap.end:%a %Y-%m-%d %H:%M} UTC ({_hours(gap)})"
    if timezone is None:
        return text
    tz = zone(timezone)
    start, end = gap.start.astimezone(tz), gap.end.astimezone(tz)
    return text + f"; {start:%a %H:%M %Z} to {end:%a %H:%M %Z} {timezone}"


def _hours(gap: Gap) -> str:
    minutes = int((gap.end - gap.start).total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if minutes else f"{hours}h"


def as_json(report: Report, code: int) -> str:
    """Render a report as one JSON document (for tools)."""
    body: dict[str, Any] = {
        "file": report.file,
        "valid": not report.errors,
        "exit_code": code,
        "errors": [
            {"line": issue.line, "path": issue.path, "message": _message(issue)}
            for issue in report.errors
        ],
        "coverage": None,
    }
    if not report.errors:
        body["coverage"] = {
            "from": report.start.isoformat(),
            "to": report.end.isoformat(),
            "teams": [
                {
                    "team": team.team,
                    "timezone": team.timezone,
                    "gaps": [
                        {
                            "start": gap.start.isoformat(),
                            "end": gap.end.isoformat(),
                            "hours": (gap.end - gap.start).total_seconds() / 3600,
                        }
                        for gap in team.gaps
                    ],
                }
                for team in report.teams
            ],
        }
    return orjson.dumps(body, option=orjson.OPT_INDENT_2).decode() + "\n"

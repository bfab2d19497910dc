"""The ``escalations`` command: ``config check FILE``, ``oncall``, ``audit export|verify``.

Each subcommand is a module of this package with its own ``run``; this only dispatches.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TextIO

from escalations.cli import audit, config_check, oncall
from escalations.cli.text import clean

USAGE = """usage: escalations <command> ...

commands:
  config check FILE [--weeks N] [--from DATE] [--format text|json] [--strict]
        validate a configuration file and list each team's uncovered windows
  oncall --team TEAM [--from ...] [--to ...] [--config FILE] [--tz ZONE]
        print a team's on-call shifts for a window
  audit export [--since T] [--until T]
        write the audit log as JSON lines, in order
  audit verify [--file EXPORT]
        check the audit log's hash chain (exit 1 naming the first broken entry)

Run `escalations config check --help` for the options of a command.
"""


def run(argv: Sequence[str], out: TextIO, err: TextIO, now: datetime) -> int:
    """Dispatch ``argv`` to a subcommand; return its exit code (2 for an unknown command)."""
    if argv[:2] == ["config", "check"]:
        return config_check.run(argv[2:], out, err, now.date())
    if argv[:1] == ["oncall"]:
        return oncall.run(argv[1:], out, err, now)
    if argv[:1] == ["audit"]:
        return audit.run(argv[1:], out, err)
    if argv[:1] in (["-h"], ["--help"]):
        out.write(USAGE)
        return 0
    asked = " ".join(argv[:2]) or "nothing"
    err.write(f"escalations: unknown command ({clean(asked, 200)})\n{USAGE}")
    return 2


def main() -> None:
    """Entry point of the ``escalations`` console script: reads the clock for defaults."""
    sys.exit(run(sys.argv[1:], sys.stdout, sys.stderr, datetime.now(UTC)))


if __name__ == "__main__":
    main()

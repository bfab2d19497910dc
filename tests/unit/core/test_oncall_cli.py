"""The on-call CLI: a readable shift table, and exit code 2 for mistakes."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from escalations.cli.oncall import run
from tests.unit.core.schedule_helpers import utc

NOW = utc(2026, 12, 24)


def invoke(*argv: str) -> tuple[int, str, str]:
    """Run the CLI in-process and return (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err, NOW)
    return code, out.getvalue(), err.getvalue()


def test_prints_the_shift_table_in_the_requested_zone() -> None:
    """The table lists start, end, person and layer, in the zone asked for."""
    code, out, err = invoke(
        "--team", "child-safety", "--from", "2026-12-24T00:00:00Z", "--to", "2026-12-25T00:00:00Z",
        "--tz", "America/Los_Angeles",
    )  # fmt: skip
    assert (0, "") == (code, err)
    assert [
        "Child Safety Specialists (child-safety): Wed 2026-12-23 16:00 PST to "
        "Thu 2026-12-24 16:00 PST",
        "",
        "start                     end                       person                layer",
        "------------------------  ------------------------  --------------------  -------",
        "Wed 2026-12-23 16:00 PST  Wed 2026-12-23 17:00 PST  Ana Souza (ana)       us-days",
        "Wed 2026-12-23 17:00 PST  Thu 2026-12-24 09:00 PST  Lena Hoffmann (lena)  primary",
        "Thu 2026-12-24 09:00 PST  Thu 2026-12-24 16:00 PST  Ana Souza (ana)       us-days",
    ] == out.splitlines()


def test_defaults_to_a_week_from_now() -> None:
    """Without --from/--to the window is the next seven days from the clock."""
    code, out, _ = invoke("--team", "general-ts")
    assert 0 == code
    assert out.startswith("General T&S Operations (general-ts): Thu 2026-12-24 00:00 UTC to ")
    assert "Thu 2026-12-31 00:00 UTC\n" in out.splitlines(keepends=True)[0]


def test_unknown_team_exits_2_with_a_suggestion() -> None:
    """An unknown team is a usage error naming the closest team."""
    assert (
        2,
        "",
        "error: --team: unknown team 'ts-dubin' (did you mean 'ts-dublin'?)\n",
    ) == invoke("--team", "ts-dubin")


def test_bad_dates_exit_2() -> None:
    """Unparseable, zone-less and reversed windows are usage errors."""
    assert [
        "error: --from: 'tomorrow' is not a date/time; write e.g. 2026-12-24T00:00:00Z\n",
        "error: --from: '2026-12-24T00:00' has no time zone; add Z or an offset like +01:00\n",
        "error: --to 2026-12-23T00:00:00+00:00 must be after --from 2026-12-24T00:00:00+00:00\n",
    ] == [
        invoke("--team", "ts-dublin", "--from", "tomorrow")[2],
        invoke("--team", "ts-dublin", "--from", "2026-12-24T00:00")[2],
        invoke("--team", "ts-dublin", "--from", "2026-12-24T00:00Z", "--to", "2026-12-23T00:00Z")[
            2
        ],
    ]


def test_broken_config_exits_2_listing_problems(tmp_path: Path) -> None:
    """A config with mistakes is reported in full with exit code 2."""
    broken = tmp_path / "broken.yaml"
    broken.write_text("people: []\nteams: []\nrouting: {default_team: x}\n")
    code, out, err = invoke("--team", "x", "--config", str(broken))
    assert (2, "") == (code, out)
    assert (
        f"error: 1 problem(s) in {broken}:\n  - line 3: routing.default_team: unknown team 'x'\n"
        == err
    )


def test_runs_as_a_module() -> None:
    """``python -m escalations.cli.oncall`` works from the installed package."""
    result = subprocess.run(
        [sys.executable, "-m", "escalations.cli.oncall", "--team", "ts-dublin",
         "--from", "2026-12-25T09:00:00Z", "--to", "2026-12-25T17:00:00Z"],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert (0, "") == (result.returncode, result.stderr)
    assert "Eoin Gallagher (eoin)" in result.stdout

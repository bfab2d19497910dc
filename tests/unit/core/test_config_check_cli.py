"""``escalations config check``: mistakes with line and fix, coverage gaps, exit codes."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import date
from pathlib import Path

import orjson
import pytest

from escalations.cli import main as cli_main
from escalations.cli.config_check import run
from escalations.cli.text import MAX_MESSAGE_CHARS, clean

TODAY = date(2026, 10, 19)
# An office team in Dublin (weekdays 09:00-17:00) with a layer for Irish bank holidays:
# in the fortnight from 19 October 2026 the clocks go back (Sunday 25) and Monday 26 is the
# October bank holiday.
GOOD = """\
people:
  - {id: ann, name: Ann, timezone: Europe/Dublin, contacts: {email: ann@example.com}}
  - {id: bob, name: Bob, timezone: Europe/Dublin, contacts: {email: bob@example.com}}
teams:
  - id: desk
    name: Desk
    lead: ann
    holidays: IE
    schedule:
      layers:
        - name: office
          rotation: daily
          timezone: Europe/Dublin
          start: 2026-01-05
          members: [ann, bob]
          restrictions:
            - {days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00"}
        - name: bank-holidays
          rotation: daily
          timezone: Europe/Dublin
          start: 2026-01-01
          members: [ann]
          holidays: team
routing:
  default_team: desk
"""
ALWAYS = GOOD.replace(
    '            - {days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00"}\n', ""
).replace("          restrictions:\n", "")


def write(tmp_path: Path, text: str, name: str = "config.yaml") -> str:
    """Write a configuration file and return its path."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def invoke(*argv: str) -> tuple[int, str, str]:
    """Run ``escalations config check`` in-process; return (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err, TODAY)
    return code, out.getvalue(), err.getvalue()


def subprocess_run(*argv: str) -> subprocess.CompletedProcess[str]:
    """Run the ``escalations`` console script as a separate process."""
    script = Path(sys.executable).parent / "escalations"
    return subprocess.run(
        [str(script), *argv], capture_output=True, text=True, timeout=60, check=False
    )


def test_a_valid_file_lists_the_gaps_across_the_clock_change_and_the_holiday(
    tmp_path: Path,
) -> None:
    """The weekend gap ends at the bank holiday and is 56 h long (the clocks went back)."""
    done = subprocess_run(
        "config", "check", write(tmp_path, GOOD), "--from", "2026-10-19", "--weeks", "2"
    )
    assert (0, "") == (done.returncode, done.stderr)
    lines = done.stdout.splitlines()
    assert lines[0].endswith("config.yaml: valid")
    assert "  desk: 11 uncovered window(s)" in lines
    assert (
        "    Fri 2026-10-23 16:00 to Mon 2026-10-26 00:00 UTC (56h); "
        "Fri 17:00 IST to Mon 00:00 GMT Europe/Dublin"
    ) in lines
    # The holiday is covered all day; the gap before Tuesday's office hours starts at midnight.
    assert (
        "    Tue 2026-10-27 00:00 to Tue 2026-10-27 09:00 UTC (9h); "
        "Tue 00:00 GMT to Tue 09:00 GMT Europe/Dublin"
    ) in lines
    assert "    Fri 2026-10-30 17:00 to Mon 2026-11-02 00:00 UTC (55h)" in done.stdout


def test_json_lists_each_gap_with_its_instants(tmp_path: Path) -> None:
    """``--format json`` gives every window as ISO instants, with hours."""
    code, out, _ = invoke(
        write(tmp_path, GOOD), "--from", "2026-10-19", "--weeks", "2", "--format", "json"
    )
    body = orjson.loads(out)
    assert (0, True, []) == (code, body["valid"], body["errors"])
    (team,) = body["coverage"]["teams"]
    assert {
        "start": "2026-10-23T16:00:00+00:00",
        "end": "2026-10-26T00:00:00+00:00",
        "hours": 56.0,
    } in team["gaps"]
    assert ("2026-10-19T00:00:00+00:00", "2026-11-02T00:00:00+00:00") == (
        body["coverage"]["from"],
        body["coverage"]["to"],
    )


def test_strict_fails_on_gaps_and_passes_a_team_covered_all_the_time(tmp_path: Path) -> None:
    """``--strict`` turns uncovered windows into exit 1; full coverage still exits 0."""
    assert 1 == invoke(write(tmp_path, GOOD), "--strict")[0]
    code, out, _ = invoke(write(tmp_path, ALWAYS, "always.yaml"), "--strict")
    assert 0 == code
    assert "  desk: someone is on duty at every moment" in out.splitlines()


def test_a_yaml_syntax_error_names_its_line_and_exits_1(tmp_path: Path) -> None:
    """Broken YAML: one mistake with the line, column and what to look at; exit code 1."""
    done = subprocess_run("config", "check", write(tmp_path, "people:\n  - {id: ann\nteams: []\n"))
    assert 1 == done.returncode
    assert [
        f"{tmp_path / 'config.yaml'}: 1 mistake(s)",
        "  line 3: (top level): YAML syntax error at column 6: expected ',' or '}', but got "
        "':'; check the indentation and brackets there, and quote values that contain ': ' "
        "or ' #'",
    ] == done.stdout.splitlines()


def test_every_mistake_is_listed_with_its_line_and_a_fix(tmp_path: Path) -> None:
    """An unknown key gets a did-you-mean, an unknown member its line; all at once."""
    text = GOOD.replace("name: Ann,", "nmae: Ann,").replace(
        "members: [ann, bob]", "members: [ann, bobb]"
    )
    done = subprocess.run(
        [sys.executable, "-m", "escalations.cli", "config", "check", write(tmp_path, text),
         "--format", "json"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    body = orjson.loads(done.stdout)
    assert (1, False, None) == (done.returncode, body["valid"], body["coverage"])
    found = {(e["line"], e["path"]): e["message"] for e in body["errors"]}
    assert found[(2, "people[0].nmae")].startswith("unknown field 'nmae' (did you mean 'name'?)")
    assert found[(2, "people[0].name")] == "required field is missing"
    assert (
        "unknown person 'bobb' (did you mean 'bob'?)"
        in found[(15, "teams[0].schedule.layers[0].members[1]")]
    )


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["missing.yaml"], "missing.yaml: cannot read the file: No such file or directory"),
        (["{file}", "--from", "19/10/2026"], "--from: '19/10/2026' is not a date"),
        (["{file}", "--weeks", "0"], "--weeks: 0 is out of range; use 1 to 104"),
    ],
)
def test_usage_mistakes_and_unreadable_files_exit_2(
    tmp_path: Path, argv: list[str], says: str
) -> None:
    """A missing file, a bad date or a bad span is exit code 2 with the reason."""
    file = write(tmp_path, GOOD)
    code, out, err = invoke(*(a.replace("{file}", file) for a in argv))
    assert (2, "") == (code, out)
    assert says in err


def test_a_file_that_is_not_utf8_exits_2(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 are a usage error that names the byte."""
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"people: [caf\xe9]\n")
    code, _, err = invoke(str(path))
    assert 2 == code
    assert "not UTF-8 text (invalid continuation byte at byte 12)" in err


def test_an_unknown_command_exits_2_with_the_usage() -> None:
    """``escalations frobnicate`` says what it did not know and how to ask."""
    out, err = io.StringIO(), io.StringIO()
    code = cli_main.run(["config", "frobnicate"], out, err, cli_main.datetime(2026, 10, 19))
    assert 2 == code
    assert err.getvalue().startswith("escalations: unknown command (config frobnicate)\nusage:")


def test_hostile_keys_and_values_are_escaped_and_cut(tmp_path: Path) -> None:
    """Terminal escapes, markup and a huge value in the file come out inert and bounded."""
    hostile = '"\\e[31m<script>alert(1)</script>\\u202e"'
    text = GOOD.replace("  default_team: desk\n", f"  default_team: desk\n  {hostile}: 1\n")
    text = text.replace("rotation: daily", f"rotation: {'k' * 50_000}", 1)
    code, out, _ = invoke(write(tmp_path, text))
    assert 1 == code
    assert "\x1b" not in out
    assert "\u202e" not in out
    assert "\\x1b[31m<script>alert(1)</script>\\u202e" in out
    assert max(len(line) for line in out.splitlines()) < MAX_MESSAGE_CHARS + 300
    assert "more characters)" in out


def test_clean_keeps_text_and_escapes_controls() -> None:
    """Plain text is unchanged; controls are escaped; newlines are kept only when asked."""
    assert "Café, ok ✓" == clean("Café, ok ✓")
    assert "a\\nb\\x07" == clean("a\nb\x07")
    assert "a\nb" == clean("a\nb", keep_newlines=True)
    assert "abc... (2 more characters)" == clean("abcde", 3)

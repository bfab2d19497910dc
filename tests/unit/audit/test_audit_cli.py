"""``escalations audit``: export lines round-trip, and ``verify --file`` checks an export."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from escalations.cli.audit import line, parse_line, run
from escalations.cli.main import run as main_run
from tests.unit.audit.test_chain import chain_of


def _export(path: Path, count: int) -> list[str]:
    lines = [line(entry) for entry in chain_of(count)]
    path.write_text("".join(text + "\n" for text in lines), encoding="utf-8")
    return lines


def _verify(path: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main_run(["audit", "verify", "--file", str(path)], out, err, datetime.now(UTC))
    return code, out.getvalue(), err.getvalue()


def test_an_exported_line_parses_back_to_the_same_entry() -> None:
    """Every field, hashes included, survives the JSON line."""
    for entry in chain_of(3):
        assert entry == parse_line(line(entry))


def test_verify_file_accepts_an_untouched_export(tmp_path: Path) -> None:
    """An untouched export: exit 0 and the count."""
    _export(tmp_path / "log.jsonl", 4)
    assert (0, "ok: 4 entries\n", "") == _verify(tmp_path / "log.jsonl")


def test_verify_file_names_a_changed_entry(tmp_path: Path) -> None:
    """A changed line: exit 1 naming the entry."""
    path = tmp_path / "log.jsonl"
    lines = _export(path, 4)
    entry = parse_line(lines[2])
    lines[2] = line(replace(entry, actor="mallory"))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = _verify(path)
    assert 1 == code
    assert err.startswith("broken at entry 3: changed")


def test_verify_file_refuses_a_file_that_is_not_an_export(tmp_path: Path) -> None:
    """Garbage is a usage error (2) naming the line, not a traceback."""
    path = tmp_path / "log.jsonl"
    path.write_text('{"seq": 1}\n', encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert 2 == run(["verify", "--file", str(path)], out, err)
    assert "log.jsonl:1: not an audit entry" in err.getvalue()


def test_export_needs_zoned_instants() -> None:
    """``--since`` without a time zone is a usage error."""
    assert 2 == run(["export", "--since", "2026-12-01T00:00"], io.StringIO(), io.StringIO())

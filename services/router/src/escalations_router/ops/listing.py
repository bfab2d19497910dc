"""The ``deadletter list`` output: an aligned text table, or JSON lines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from escalations.cli.text import clean
from escalations_router.ops.letters import DeadLetter

ERROR_CHARS = 300  # per row of the listing; --format json carries the whole error


def _row(letter: DeadLetter, done: Any) -> list[str]:
    status = f"replayed {done['replayed_at']:%Y-%m-%dT%H:%M:%SZ}" if done is not None else "-"
    return [
        str(letter.offset), f"{letter.parked_at:%Y-%m-%dT%H:%M:%SZ}", letter.reason,
        clean(letter.key or "-", 80), clean(letter.event_type or "-", 80), status,
        clean(letter.error, ERROR_CHARS),
    ]  # fmt: skip


def render(letters: Sequence[DeadLetter], done: dict[tuple[int, int], Any]) -> str:
    """Return the listing as an aligned text table."""
    rows = [["offset", "parked_at", "reason", "escalation", "event_type", "replayed", "error"]]
    rows += [_row(letter, done.get((letter.partition, letter.offset))) for letter in letters]
    widths = [max(len(row[i]) for row in rows) for i in range(6)]
    return "".join(
        "  ".join([*(cell.ljust(w) for cell, w in zip(row[:6], widths, strict=True)), row[6]])
        + "\n"
        for row in rows
    )


def as_json(letters: Sequence[DeadLetter], done: dict[tuple[int, int], Any]) -> str:
    """Return the listing as JSON lines, one dead letter per line."""
    lines = []
    for letter in letters:
        hit = done.get((letter.partition, letter.offset))
        lines.append(orjson.dumps({
            "offset": letter.offset, "partition": letter.partition,
            "parked_at": letter.parked_at.isoformat(), "reason": letter.reason,
            "error": letter.error, "escalation_id": letter.key, "event_type": letter.event_type,
            "event_id": letter.event_id, "dead_letter_id": letter.id,
            "replayed_at": hit["replayed_at"].isoformat() if hit is not None else None,
            "replay_event_id": hit["replay_event_id"] if hit is not None else None,
        }).decode())  # fmt: skip
    return "".join(line + "\n" for line in lines)

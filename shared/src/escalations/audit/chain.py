"""The hash chain of the audit log, as pure functions over plain entries.

Each entry's hash is ``sha256(prev_hash || canonical_json(entry))`` in lower-case hex, where
the canonical JSON holds every field but the two hashes, with sorted keys and instants in UTC
with microseconds (docs/contract/audit.md). Entries are numbered 1, 2, 3... without gaps, and
the first one's ``prev_hash`` is ``GENESIS``; so a changed entry breaks its own hash, a
deleted one leaves a gap, and a reordered one breaks the numbering or the chain.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
ACTOR_MAX = 200
ACTION_MAX = 100
SUBJECT_KIND_MAX = 50
SUBJECT_ID_MAX = 300
ADDRESS_MAX = 100
USER_AGENT_MAX = 300
_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp"})  # control, format, line and paragraph breaks


@dataclass(frozen=True, slots=True)
class Entry:
    """One row of the audit log."""

    seq: int
    at: datetime
    actor: str
    action: str
    subject_kind: str
    subject_id: str | None
    detail: Mapping[str, Any]
    client_address: str | None
    user_agent: str | None
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class Draft:
    """An action to record, before it is numbered and chained (``seal``)."""

    at: datetime
    actor: str
    action: str
    subject_kind: str
    subject_id: str | None
    detail: Mapping[str, Any]
    client_address: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True, slots=True)
class ChainProblem:
    """Where the chain breaks: the entry (by seq) and what is wrong with it."""

    seq: int
    message: str


def instant(at: datetime) -> str:
    """Return an aware instant as UTC ISO 8601 with microseconds."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def hashed_fields(entry: Entry) -> dict[str, Any]:
    """Return the fields the hash covers (all but ``prev_hash`` and ``hash``), JSON-ready."""
    return {
        "seq": entry.seq,
        "at": instant(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "subject_kind": entry.subject_kind,
        "subject_id": entry.subject_id,
        "detail": entry.detail,
        "client_address": entry.client_address,
        "user_agent": entry.user_agent,
    }


def canonical_json(entry: Entry) -> str:
    """Return the canonical JSON of an entry: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(
        hashed_fields(entry), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def entry_hash(prev_hash: str, entry: Entry) -> str:
    """Return the hash of ``entry`` chained after an entry whose hash is ``prev_hash``."""
    return hashlib.sha256((prev_hash + canonical_json(entry)).encode()).hexdigest()


def seal(drafts: Iterable[Draft], seq: int, prev_hash: str) -> list[Entry]:
    """Return ``drafts`` as entries numbered from ``seq``, chained after ``prev_hash``.

    ``seq`` and ``prev_hash`` follow the last stored entry (1 and ``GENESIS`` for an empty
    log), so the entries of one batch chain to each other in order. Text is cut to its
    column's length with hidden characters replaced, and the detail made plain JSON, before
    hashing: what is stored is what was hashed. An instant without a time zone is refused.
    """
    entries: list[Entry] = []
    for number, draft in enumerate(drafts, seq):
        if draft.at.tzinfo is None:
            raise ValueError("at: an audit instant needs a time zone")
        entry = Entry(
            seq=number,
            at=draft.at,
            actor=printable(draft.actor[:ACTOR_MAX]),
            action=printable(draft.action[:ACTION_MAX]),
            subject_kind=printable(draft.subject_kind[:SUBJECT_KIND_MAX]),
            subject_id=clip(draft.subject_id, SUBJECT_ID_MAX),
            detail=plain_detail(draft.detail),
            client_address=clip(draft.client_address, ADDRESS_MAX),
            user_agent=clip(draft.user_agent, USER_AGENT_MAX),
            prev_hash=prev_hash,
            hash="",
        )
        entry = replace(entry, hash=entry_hash(prev_hash, entry))
        entries.append(entry)
        prev_hash = entry.hash
    return entries


def verify(
    entries: Iterable[Entry], first_seq: int = 1, prev_hash: str = GENESIS
) -> list[ChainProblem]:
    """Return every break in ``entries`` (in stored order); empty if none (see ``Verifier``)."""
    verifier = Verifier(first_seq, prev_hash)
    return [problem for entry in entries if (problem := verifier.check(entry)) is not None]


class Verifier:
    """Checks a log entry by entry, so a long one need not be held in memory.

    The log starts at seq 1 after ``GENESIS``; a part of it (an export from some instant)
    starts at ``first_seq`` after ``prev_hash``. After a break the check goes on from the
    entry as stored, so one tampered row is named once rather than every row after it.
    """

    def __init__(self, first_seq: int = 1, prev_hash: str = GENESIS) -> None:
        self.count = 0
        self._expected_seq = first_seq
        self._prev = prev_hash

    def check(self, entry: Entry) -> ChainProblem | None:
        """Return what is wrong with the next entry, or None."""
        problem: ChainProblem | None = None
        if entry.seq < self._expected_seq:
            problem = ChainProblem(entry.seq, f"out of order: after {self._expected_seq - 1}")
        elif entry.seq > self._expected_seq:
            missing = _span(self._expected_seq, entry.seq - 1)
            problem = ChainProblem(entry.seq, f"{missing} missing before it (deleted)")
        elif entry.prev_hash != self._prev:
            problem = ChainProblem(entry.seq, "prev_hash does not match the entry before it")
        elif entry_hash(self._prev, entry) != entry.hash:
            problem = ChainProblem(entry.seq, "changed: its hash does not match")
        self.count += 1
        self._expected_seq, self._prev = entry.seq + 1, entry.hash
        return problem


def _span(first: int, last: int) -> str:
    return f"entry {first}" if first == last else f"entries {first}..{last}"


def clip(value: str | None, limit: int) -> str | None:
    """Return ``value`` at most ``limit`` characters long, control characters replaced."""
    if value is None:
        return None
    return printable(value[:limit])


def printable(value: str) -> str:
    """Return ``value`` with control, format and line-break characters as U+FFFD.

    NUL, terminal escapes, new lines and direction overrides cannot reach a log or a page.
    """
    if value.isprintable():
        return value
    return "".join("\ufffd" if unicodedata.category(c) in _HIDDEN else c for c in value)


def plain_detail(value: Any) -> Any:
    """Return ``value`` as JSON that survives a ``jsonb`` round trip unchanged.

    Instants become UTC ISO strings, floats strings (``jsonb`` may print them otherwise),
    tuples and sets lists, NUL characters U+FFFD (``jsonb`` refuses them); keys are strings.
    """
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        return instant(value)
    if isinstance(value, Mapping):
        return {plain_detail(str(k)): plain_detail(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_detail(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(plain_detail(v) for v in value)
    return plain_detail(str(value))

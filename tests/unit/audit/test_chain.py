"""The audit hash chain: canonical form, hashes, and that any tampering is detected."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from escalations.audit.chain import (
    GENESIS,
    Entry,
    canonical_json,
    clip,
    entry_hash,
    plain_detail,
    verify,
)

START = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


def chain_of(count: int) -> list[Entry]:
    """Return a valid log of ``count`` entries."""
    entries: list[Entry] = []
    prev = GENESIS
    for seq in range(1, count + 1):
        entry = Entry(
            seq=seq,
            at=START + timedelta(seconds=seq, microseconds=seq),
            actor="aoife" if seq % 2 else "system:legal",
            action="escalation.acknowledge",
            subject_kind="escalation",
            subject_id=f"esc-{seq}",
            detail={"by": "aoife", "n": seq},
            client_address="127.0.0.1",
            user_agent="curl/8",
            prev_hash=prev,
            hash="",
        )
        entry = replace(entry, hash=entry_hash(prev, entry))
        entries.append(entry)
        prev = entry.hash
    return entries


def test_a_valid_chain_verifies() -> None:
    """An untouched log has no problems; the first entry follows GENESIS."""
    entries = chain_of(5)
    assert [] == verify(entries)
    assert GENESIS == entries[0].prev_hash


def test_canonical_json_is_sorted_utc_with_microseconds() -> None:
    """Keys are sorted, instants are UTC with microseconds, whatever zone they came in."""
    entry = chain_of(1)[0]
    dublin_winter = timezone(timedelta(hours=1))
    same = replace(entry, at=entry.at.astimezone(dublin_winter))
    assert canonical_json(entry) == canonical_json(same)
    text = canonical_json(entry)
    assert '"at":"2026-12-07T09:30:01.000001+00:00"' in text
    assert text.index('"action"') < text.index('"actor"') < text.index('"at"')


def test_the_hash_covers_the_previous_hash() -> None:
    """The same entry after a different predecessor has a different hash."""
    entry = chain_of(1)[0]
    assert entry_hash(GENESIS, entry) != entry_hash("f" * 64, entry)


_FIELDS = {
    "at": lambda e: replace(e, at=e.at + timedelta(microseconds=1)),
    "actor": lambda e: replace(e, actor=e.actor + "x"),
    "action": lambda e: replace(e, action="escalation.resolve"),
    "subject_kind": lambda e: replace(e, subject_kind="key"),
    "subject_id": lambda e: replace(e, subject_id=None),
    "detail": lambda e: replace(e, detail={**e.detail, "by": "mallory"}),
    "client_address": lambda e: replace(e, client_address="10.0.0.1"),
    "user_agent": lambda e: replace(e, user_agent=None),
}


@given(
    count=st.integers(1, 8),
    data=st.data(),
    field=st.sampled_from(sorted(_FIELDS)),
)
def test_any_single_field_change_is_detected(count: int, data: st.DataObject, field: str) -> None:
    """Changing one field of any entry is named, at that entry."""
    entries = chain_of(count)
    index = data.draw(st.integers(0, count - 1))
    entries[index] = _FIELDS[field](entries[index])
    problems = verify(entries)
    assert [index + 1] == [p.seq for p in problems]
    assert "changed" in problems[0].message


@given(count=st.integers(2, 8), data=st.data())
def test_a_rehashed_change_is_detected_at_the_next_entry(count: int, data: st.DataObject) -> None:
    """An attacker who recomputes the changed entry's hash breaks the next entry's link."""
    entries = chain_of(count)
    index = data.draw(st.integers(0, count - 2))
    changed = replace(entries[index], actor="mallory")
    entries[index] = replace(changed, hash=entry_hash(changed.prev_hash, changed))
    assert [index + 2] == [p.seq for p in verify(entries)]


@given(count=st.integers(1, 8), data=st.data())
def test_any_deletion_is_detected(count: int, data: st.DataObject) -> None:
    """Deleting any entry but the last leaves a gap named at the entry after it."""
    entries = chain_of(count + 1)
    index = data.draw(st.integers(0, count - 1))
    del entries[index]
    problems = verify(entries)
    assert [index + 2] == [p.seq for p in problems]
    assert f"entry {index + 1} missing" in problems[0].message


@given(count=st.integers(2, 8), data=st.data())
def test_any_swap_is_detected(count: int, data: st.DataObject) -> None:
    """Swapping two entries, or their contents under the same numbers, is detected."""
    entries = chain_of(count)
    first = data.draw(st.integers(0, count - 2))
    second = data.draw(st.integers(first + 1, count - 1))
    swapped = list(entries)
    swapped[first], swapped[second] = swapped[second], swapped[first]
    assert verify(swapped)
    renumbered = list(entries)
    a, b = entries[first], entries[second]
    renumbered[first] = replace(b, seq=a.seq, prev_hash=a.prev_hash)
    renumbered[second] = replace(a, seq=b.seq, prev_hash=b.prev_hash)
    assert verify(renumbered)


def test_a_part_of_the_log_verifies_from_its_first_entry() -> None:
    """An export from some instant on is checked from its first entry's predecessor."""
    entries = chain_of(6)[2:]
    assert verify(entries)  # not from seq 1
    assert [] == verify(entries, entries[0].seq, entries[0].prev_hash)


def test_clip_cuts_and_hides_control_characters() -> None:
    """User agents are clipped; escapes, new lines and direction overrides become U+FFFD."""
    assert "a\ufffdb\ufffdc\ufffd" == clip("a\x1bb\nc\u202e", 300)
    assert 5 == len(clip("x" * 10, 5) or "")
    assert None is clip(None, 5)


def test_plain_detail_survives_jsonb() -> None:
    """Instants, floats, tuples and NUL become what jsonb returns unchanged."""
    at = datetime(2026, 1, 1, tzinfo=UTC)
    assert {"at": "2026-01-01T00:00:00.000000+00:00", "f": "0.5", "t": [1, "a\ufffd"]} == (
        plain_detail({"at": at, "f": 0.5, "t": (1, "a\x00")})
    )

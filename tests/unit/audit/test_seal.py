"""Sealing drafts into chained entries: the pure half of ``append`` and ``append_many``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from escalations.audit.chain import GENESIS, Draft, entry_hash, seal, verify

AT = datetime(2026, 12, 7, 9, 30, 1, 1, tzinfo=UTC)


def _draft(n: int, **extra: object) -> Draft:
    fields: dict[str, object] = {
        "at": AT,
        "actor": "service:router",
        "action": "escalation.escalate",
        "subject_kind": "escalation",
        "subject_id": f"esc-{n}",
        "detail": {"from_level": 1, "to_level": 2},
        **extra,
    }
    return Draft(**fields)  # type: ignore[arg-type]


def test_a_batch_is_numbered_on_and_chained_in_order() -> None:
    """Three drafts after entry 4 become 5, 6, 7, each chained to the one before."""
    first = seal([_draft(0)], 1, GENESIS)
    last = seal([_draft(1), _draft(2), _draft(3)], 2, first[0].hash)
    assert [2, 3, 4] == [entry.seq for entry in last]
    assert [first[0].hash, last[0].hash, last[1].hash] == [e.prev_hash for e in last]
    assert all(entry_hash(e.prev_hash, e) == e.hash for e in last)
    assert [] == verify([*first, *last])


def test_one_batch_chains_like_single_appends() -> None:
    """Sealing together gives the very entries sealing one at a time would."""
    drafts = [_draft(n) for n in range(3)]
    together = seal(drafts, 1, GENESIS)
    one_by_one, prev = [], GENESIS
    for seq, draft in enumerate(drafts, 1):
        (entry,) = seal([draft], seq, prev)
        one_by_one.append(entry)
        prev = entry.hash
    assert together == one_by_one


def test_text_is_clipped_and_made_printable_before_hashing() -> None:
    """Hidden characters become U+FFFD and long text is cut: what is stored was hashed."""
    (entry,) = seal(
        [_draft(0, user_agent="x" * 400 + "\x1b", client_address="192.0.2.1\n", detail={"f": 0.5})],
        1,
        GENESIS,
    )
    assert ("x" * 300, "192.0.2.1\ufffd", {"f": "0.5"}) == (
        entry.user_agent,
        entry.client_address,
        entry.detail,
    )
    assert [] == verify([entry])


def test_an_instant_without_a_zone_is_refused() -> None:
    """A naive instant names the field."""
    with pytest.raises(ValueError, match="at: an audit instant needs a time zone"):
        seal([_draft(0, at=datetime(2026, 12, 7, 9, 30))], 1, GENESIS)


def test_nothing_to_seal() -> None:
    """No drafts, no entries."""
    assert [] == seal([], 1, GENESIS)
